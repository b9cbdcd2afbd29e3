/*
 * LD_PRELOAD shim for make-fixtures.sh: fails md's ADD_NEW_DISK ioctl with EIO.
 *
 * mdadm --create writes every member's superblock and bitmap (write_init_super1) before it hands the
 * members to the kernel with ADD_NEW_DISK. Failing that ioctl makes mdadm give up and STOP_ARRAY the
 * empty array, so the kernel never loads, runs or rewrites the metadata: what stays on the members is
 * byte for byte what mdadm 4.2 wrote. (A started array has its superblock and bitmap rewritten by the
 * kernel: events, utime, bitmap sectors_reserved, cleared bits.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>

#define ADD_NEW_DISK 0x40140921UL /* _IOW(MD_MAJOR, 0x21, mdu_disk_info_t), x86_64 */

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real_ioctl)(int, unsigned long, void *);
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (request == ADD_NEW_DISK) {
        errno = EIO;
        return -1;
    }
    if (!real_ioctl)
        real_ioctl = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
    return real_ioctl(fd, request, arg);
}
