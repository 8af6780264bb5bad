using System.Net;
using Microsoft.Extensions.Configuration;

namespace Once.Hosting;

/// <summary>
/// The one options shape of every Once executable, bound from the configuration section <c>Once</c>
/// (so also from environment variables such as <c>Once__Storage=Postgres</c>). The PostgreSQL
/// connection string comes from <c>ConnectionStrings:Once</c> or the environment variable
/// <c>ONCE_POSTGRES</c>.
/// </summary>
public sealed class OnceOptions
{
    public const string SectionName = "Once";
    public const string ConnectionStringName = "Once";
    public const string ConnectionStringVariable = "ONCE_POSTGRES";

    /// <summary>Where entity state lives. Default: Memory.</summary>
    public StorageKind Storage { get; set; } = StorageKind.Memory;

    /// <summary>How silos and clients find each other. Default: Localhost.</summary>
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

    /// <summary>Apply the PostgreSQL schema (idempotent) when the silo starts. Default: false.</summary>
    public bool ApplySchema { get; set; }

    /// <summary>The Orleans service id: names the stored state, so keep it across deployments. Default: once.</summary>
    public string ServiceId { get; set; } = "once";

    /// <summary>The Orleans cluster id: silos and clients with the same id form one cluster. Default: once.</summary>
    public string ClusterId { get; set; } = "once";

    /// <summary>The port silos talk to each other on. Default: 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients reach the silo's gateway on. Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The host name or IP address other silos and clients use to reach this silo. Default: 127.0.0.1.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Where an entity that is not active anywhere is activated. Default: PreferLocal.</summary>
    public PlacementKind Placement { get; set; } = PlacementKind.PreferLocal;

    /// <summary>How long a starting process waits for PostgreSQL before giving up. Default: 00:10:00.</summary>
    public TimeSpan DatabaseWaitTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Delivery guarantees by entity type, overriding what the type was registered with, e.g.
    /// <c>Once:Guarantees:accounts=AtLeastOnce</c>. Default: none (every type as registered).
    /// </summary>
    public Dictionary<string, string> Guarantees { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The entity streams. Default: see <see cref="OnceStreamOptions"/>.</summary>
    public OnceStreamOptions Streams { get; set; } = new();

    /// <summary>Where stream messages queue: <see cref="OnceStreamOptions.Provider"/>, or PostgreSQL when entities live there.</summary>
    public StorageKind StreamProvider => Streams.Provider ?? (Storage == StorageKind.Memory ? StorageKind.Memory : StorageKind.Postgres);

    /// <summary>The native entity store's group commit and ledger clean-up (<c>Once:Store</c>). Default: see <see cref="Postgres.PostgresStoreOptions"/>.</summary>
    public Postgres.PostgresStoreOptions Store { get; set; } = new();

    /// <summary>How HTTP effects are sent. Default: see <see cref="Grains.WebhookOptions"/>.</summary>
    public Grains.WebhookOptions Webhooks { get; set; } = new();

    /// <summary>The ledger's retention (validated where the silo binds it). Default: 7 days, 1000 ids.</summary>
    public LedgerOptions Ledger { get; set; } = new();

    /// <summary>Entity call time-out and the HTTP API's retry budget (<c>Once:Calls</c>). Default: see <see cref="EntityCallOptions"/>.</summary>
    public EntityCallOptions Calls { get; set; } = new();

    /// <summary>How quickly a silo that stopped answering is evicted (<c>Once:Membership</c>). Default: see <see cref="MembershipSettings"/>.</summary>
    public MembershipSettings Membership { get; set; } = new();

    /// <summary>The PostgreSQL connection string (not bound from the section; see <see cref="Load"/>).</summary>
    public string? ConnectionString { get; private set; }

    public bool UsesPostgres => Storage != StorageKind.Memory || Clustering == ClusteringKind.Postgres || StreamProvider == StorageKind.Postgres;

    /// <summary>Reads and validates the settings; throws <see cref="OnceConfigurationException"/> naming every bad setting.</summary>
    public static OnceOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new OnceOptions();
        try
        {
            // Unknown keys are errors too: a misspelt setting must not be silently ignored.
            configuration.GetSection(SectionName).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key: "Failed to convert configuration value '...' at 'Once:Storage' ..."
            // or "'Storag' was not found on 'OnceOptions'".
            throw new OnceConfigurationException([Explain(e.Message)]);
        }

        options.ConnectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            options.ConnectionString = configuration[ConnectionStringVariable];
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OnceConfigurationException(problems);
        }

        return options;
    }

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Storage))
        {
            problems.Add($"Once:Storage must be Memory, Postgres or AdoNetGrainStorage (was {Storage}).");
        }

        if (!Enum.IsDefined(Clustering))
        {
            problems.Add($"Once:Clustering must be Localhost or Postgres (was {Clustering}).");
        }

        if (!Enum.IsDefined(Placement))
        {
            problems.Add($"Once:Placement must be PreferLocal, ResourceOptimized or Random (was {Placement}).");
        }

        if (UsesPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"Once:Storage, Once:Clustering or Once:Streams:Provider is Postgres, so a connection string is required: set ConnectionStrings:Once or the environment variable {ConnectionStringVariable}.");
        }

        if (UsesPostgres && !string.IsNullOrWhiteSpace(ConnectionString) && !IsValidConnectionString(ConnectionString, out var error))
        {
            problems.Add($"The PostgreSQL connection string (ConnectionStrings:Once or {ConnectionStringVariable}) is invalid: {error}");
        }

        if (ApplySchema && Storage == StorageKind.Memory && Clustering != ClusteringKind.Postgres)
        {
            problems.Add("Once:ApplySchema is true but nothing uses PostgreSQL; set Once:Storage or Once:Clustering to Postgres.");
        }

        foreach (var (type, guarantee) in Guarantees)
        {
            if (!Enum.TryParse<DeliveryGuarantee>(guarantee, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed))
            {
                problems.Add($"Once:Guarantees:{type} must be one of {string.Join(", ", Enum.GetNames<DeliveryGuarantee>())} (was '{guarantee}').");
            }
        }

        problems.AddRange(Ledger.Validate());
        problems.AddRange(Store.Validate());
        problems.AddRange(Streams.Validate());
        problems.AddRange(Calls.Validate());
        problems.AddRange(Membership.Validate());
        if (Webhooks.MaxAttempts is < 1 or > 100)
        {
            problems.Add($"Once:Webhooks:MaxAttempts must be between 1 and 100 (was {Webhooks.MaxAttempts}).");
        }

        if (Webhooks.Timeout <= TimeSpan.Zero || Webhooks.Timeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"Once:Webhooks:Timeout must be greater than zero and at most 00:05:00 (was {Webhooks.Timeout}).");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("Once:ServiceId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add("Once:ClusterId must not be empty.");
        }

        if (SiloPort is < 1 or > 65535)
        {
            problems.Add($"Once:SiloPort must be between 1 and 65535 (was {SiloPort}).");
        }

        if (GatewayPort is < 1 or > 65535 || GatewayPort == SiloPort)
        {
            problems.Add($"Once:GatewayPort must be between 1 and 65535 and differ from Once:SiloPort (was {GatewayPort}).");
        }

        if (string.IsNullOrWhiteSpace(AdvertisedHost) || Uri.CheckHostName(AdvertisedHost) == UriHostNameType.Unknown)
        {
            problems.Add($"Once:AdvertisedHost must be a host name or IP address (was '{AdvertisedHost}').");
        }

        if (DatabaseWaitTimeout < TimeSpan.Zero || DatabaseWaitTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"Once:DatabaseWaitTimeout must be between 00:00:00 and 01:00:00 (was {DatabaseWaitTimeout}).");
        }

        return problems;
    }

    /// <summary>The configured delivery guarantees, parsed (call after validation).</summary>
    public IReadOnlyDictionary<string, DeliveryGuarantee> ParsedGuarantees() =>
        Guarantees.ToDictionary(g => g.Key, g => Enum.Parse<DeliveryGuarantee>(g.Value), StringComparer.Ordinal);

    /// <summary>The address other silos and clients reach this one at.</summary>
    public IPAddress ResolveAdvertisedAddress() =>
        IPAddress.TryParse(AdvertisedHost, out var address)
            ? address
            : Dns.GetHostAddresses(AdvertisedHost).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);

    private static bool IsValidConnectionString(string connectionString, out string? error)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string Explain(string binderMessage)
    {
        const string NotFound = "were not found on the instance of ";
        var unknown = binderMessage.IndexOf(NotFound, StringComparison.Ordinal);
        if (unknown >= 0)
        {
            // "...the following properties were not found on the instance of Once.Hosting.OnceOptions: 'Storag'"
            var names = binderMessage[(binderMessage.IndexOf(':', unknown) + 1)..].Trim();
            return $"Unknown setting {names} in the section Once (known: Storage, Clustering, ApplySchema, ServiceId, ClusterId, SiloPort, GatewayPort, AdvertisedHost, DatabaseWaitTimeout, Placement, Guarantees, Ledger, Store, Streams, Webhooks, Calls, Membership).";
        }

        return binderMessage
            + (binderMessage.Contains("Once:Storage", StringComparison.Ordinal) ? " Allowed: Memory, Postgres, AdoNetGrainStorage."
            : binderMessage.Contains("Once:Clustering", StringComparison.Ordinal) ? " Allowed: Localhost, Postgres."
            : string.Empty);
    }
}
