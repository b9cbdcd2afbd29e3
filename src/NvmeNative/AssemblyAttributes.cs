using System.Runtime.CompilerServices;

// Every P/Invoke in this assembly is a [LibraryImport] with blittable arguments only; the runtime
// marshaller is switched off so that anything else fails at compile time instead of at run time.
[assembly: DisableRuntimeMarshalling]

// Interop buffers (sysfs reads, option strings, ioctl structs) are fully written before they are read.
[module: SkipLocalsInit]
