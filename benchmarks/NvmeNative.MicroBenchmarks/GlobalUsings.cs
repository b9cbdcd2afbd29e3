global using NvmeNative.Tests.Fakes; // the linked FakeSysfs expects the unit tests' global using
