using Microsoft.Win32.SafeHandles;

// One line written straight to file descriptor 1, then exit: no Console (whose first write sets up the terminal and
// starts the runtime's signal thread), no TextWriter, no encoder. The least a .NET program can do and be seen.
using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
stdout.Write("nvmenative-aot-floor\n"u8);
return 0;
