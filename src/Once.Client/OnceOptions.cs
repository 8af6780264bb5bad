using System.Net;
using Microsoft.Extensions.Configuration;

namespace Once.Client;

/// <summary>
/// The settings silos and clients share, bound from the configuration section <c>Once</c> (so also
/// from environment variables such as <c>Once__Storage=Postgres</c>): which cluster, where its
/// membership and streams live, call time-outs. Silos read more (<see cref="SiloSettings"/>), which a
/// client given the same configuration ignores. The PostgreSQL connection string comes from
/// <c>ConnectionStrings:Once</c> or the environment variable <c>ONCE_POSTGRES</c>.
/// </summary>
public sealed class OnceOptions
{
    public const string SectionName = "Once";
    public const string ConnectionStringName = "Once";
    public const string ConnectionStringVariable = "ONCE_POSTGRES";

    /// <summary>
    /// The settings of the section that only silos read (and check); a client tolerates them, so one
    /// configuration can serve the whole cluster.
    /// </summary>
    public static readonly IReadOnlyList<string> SiloSettings = ["ApplySchema", "ListenOnAnyAddress", "Kubernetes", "Placement", "Guarantees", "Ledger", "Store", "Webhooks"];

    /// <summary>The settings of the section that only the HTTP hosts read (and check): <c>Once:Auth</c>, <c>Once:RateLimit</c>, and <c>Once:Dashboard</c> (Once.Server, Once.Api and Once.Silo).</summary>
    public static readonly IReadOnlyList<string> HttpSettings = ["Auth", "RateLimit", "Dashboard"];

    /// <summary>Where entity state lives. Default: Memory.</summary>
    public StorageKind Storage { get; set; } = StorageKind.Memory;

    /// <summary>How silos and clients find each other. Default: Localhost.</summary>
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

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

    /// <summary>How long a starting process waits for PostgreSQL before giving up. Default: 00:10:00.</summary>
    public TimeSpan DatabaseWaitTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The entity streams. Default: see <see cref="OnceStreamOptions"/>.</summary>
    public OnceStreamOptions Streams { get; set; } = new();

    /// <summary>Where stream messages queue: <see cref="OnceStreamOptions.Provider"/>, or PostgreSQL when entities live there.</summary>
    public StorageKind StreamProvider => Streams.Provider ?? (Storage == StorageKind.Memory ? StorageKind.Memory : StorageKind.Postgres);

    /// <summary>Entity call time-out and the HTTP API's retry budget (<c>Once:Calls</c>). Default: see <see cref="EntityCallOptions"/>.</summary>
    public EntityCallOptions Calls { get; set; } = new();

    /// <summary>How quickly a silo that stopped answering is evicted (<c>Once:Membership</c>). Default: see <see cref="MembershipSettings"/>.</summary>
    public MembershipSettings Membership { get; set; } = new();

    /// <summary>Mutual TLS between silos and between clients and gateways (<c>Once:Tls</c>). Default: off; see <see cref="TlsSettings"/>.</summary>
    public TlsSettings Tls { get; set; } = new();

    /// <summary>The PostgreSQL connection string (not bound from the section; see <see cref="Load"/>).</summary>
    public string? ConnectionString { get; private set; }

    public bool UsesPostgres => Storage != StorageKind.Memory || Clustering == ClusteringKind.Postgres || StreamProvider == StorageKind.Postgres;

    /// <summary>Reads and validates the settings; throws <see cref="OnceConfigurationException"/> naming every bad setting.</summary>
    public static OnceOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new OnceOptions();
        var section = configuration.GetSection(SectionName);
        // Unknown keys are errors too: a misspelt setting must not be silently ignored.
        if (UnknownSettings(section, typeof(OnceOptions), [.. SiloSettings, .. HttpSettings]) is { } unknown)
        {
            throw new OnceConfigurationException([unknown]);
        }

        try
        {
            section.Bind(options);
            BindStrictly(section.GetSection(nameof(Streams)), options.Streams);
            BindStrictly(section.GetSection(nameof(Calls)), options.Calls);
            BindStrictly(section.GetSection(nameof(Membership)), options.Membership);
            BindStrictly(section.GetSection(nameof(Tls)), options.Tls);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key: "Failed to convert configuration value '...' at 'Once:Storage' ...".
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

        if (UsesPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"Once:Storage, Once:Clustering or Once:Streams:Provider is Postgres, so a connection string is required: set ConnectionStrings:Once or the environment variable {ConnectionStringVariable}.");
        }

        if (UsesPostgres && !string.IsNullOrWhiteSpace(ConnectionString) && !IsValidConnectionString(ConnectionString, out var error))
        {
            problems.Add($"The PostgreSQL connection string (ConnectionStrings:Once or {ConnectionStringVariable}) is invalid: {error}");
        }

        problems.AddRange(Streams.Validate());
        problems.AddRange(Calls.Validate());
        problems.AddRange(Membership.Validate());
        problems.AddRange(Tls.Validate());
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

    /// <summary>
    /// The problem with the settings of a section that are neither writable properties of
    /// <paramref name="options"/> nor among <paramref name="others"/>; null when there are none.
    /// </summary>
    public static string? UnknownSettings(IConfigurationSection section, Type options, IEnumerable<string> others)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        var known = options.GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Concat(others).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = section.GetChildren().Select(c => c.Key).Where(k => !known.Contains(k)).ToList();
        return unknown.Count == 0
            ? null
            : $"Unknown setting {string.Join(", ", unknown.Select(k => $"'{k}'"))} in the section {section.Path} (known: {string.Join(", ", known.Order(StringComparer.Ordinal))}).";
    }

    /// <summary>Binds a sub-section, refusing its unknown keys (the binder names them) and values it cannot convert.</summary>
    public static void BindStrictly(IConfigurationSection section, object options)
    {
        ArgumentNullException.ThrowIfNull(section);
        section.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
    }

    /// <summary>The binder's message, which names the key, with the allowed values where they are few.</summary>
    public static string Explain(string binderMessage)
    {
        ArgumentNullException.ThrowIfNull(binderMessage);
        return binderMessage
            + (binderMessage.Contains("Once:Storage", StringComparison.Ordinal) ? " Allowed: Memory, Postgres, AdoNetGrainStorage."
            : binderMessage.Contains("Once:Clustering", StringComparison.Ordinal) ? " Allowed: Localhost, Postgres."
            : string.Empty);
    }
}
