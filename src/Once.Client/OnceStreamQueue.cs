using Orleans.Configuration;

namespace Once.Client;

/// <summary>The stream queue settings silos and clients must apply alike.</summary>
internal static class OnceStreamQueue
{
    public const string Memory = "Memory";
    public const string Postgres = "Postgres";

    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    public static void Apply(AdoNetStreamOptions target, string connectionString, OnceStreamOptions options)
    {
        target.Invariant = Invariant;
        // The provider opens a connection per query; returned to the pool, Npgsql would reset it with a
        // DISCARD ALL each time, a second statement for every poll. Its queries leave no session state.
        target.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
        target.MaxAttempts = options.QueueMaxAttempts;
        target.VisibilityTimeout = options.VisibilityTimeout;
        target.ExpiryTimeout = options.ExpiryTimeout;
    }
}
