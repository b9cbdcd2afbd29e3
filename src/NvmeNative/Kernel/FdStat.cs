using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>fstat of an open descriptor (statx with AT_EMPTY_PATH).</summary>
internal static unsafe class FdStat
{
    /// <summary>statx(2) of the descriptor itself (AT_EMPTY_PATH), e.g. to see that a lock file was unlinked.</summary>
    internal static Interop.Stat.statx Fstatx(SafeFdHandle fd, string path, uint mask = Interop.Stat.STATX_BASIC_STATS)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            Interop.Stat.statx st = default;
            byte empty = 0;
            while (Interop.Libc.statx(fd.RawFd, &empty, Interop.Fcntl.AT_EMPTY_PATH, mask, &st) < 0)
            {
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    throw Syscall.Error(errno, "fstatx", path);
            }
            return st;
        }
        finally
        {
            if (added)
                fd.DangerousRelease();
        }
    }
}
