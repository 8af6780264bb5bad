using System.Data.Common;

namespace Once.TestSupport;

/// <summary>
/// A database driver's error, as Npgsql throws them: a <see cref="DbException"/> of a type outside
/// the namespaces Orleans serialises, so it cannot travel back to a caller as it is.
/// </summary>
public sealed class DriverException(string message) : DbException(message);
