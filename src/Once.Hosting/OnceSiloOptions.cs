using Microsoft.Extensions.Configuration;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Hosting.Postgres;

namespace Once.Hosting;

/// <summary>
/// The settings only silos read, from the section <c>Once</c> beside the shared
/// <see cref="OnceOptions"/> (their names are <see cref="OnceOptions.SiloSettings"/>).
/// </summary>
public sealed class OnceSiloOptions
{
    /// <summary>Apply the PostgreSQL schema (idempotent) when the silo starts. Default: false.</summary>
    public bool ApplySchema { get; set; }

    /// <summary>
    /// Whether the silo and gateway ports listen on every interface (0.0.0.0) instead of only on
    /// <c>Once:AdvertisedHost</c>'s address; with <c>Once:Clustering=Postgres</c> only. A container that
    /// advertises its service name needs it. Default: false.
    /// </summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Whether the silo runs in a Kubernetes pod with Orleans' Kubernetes hosting: its silo name is the
    /// pod's (POD_NAME), a silo whose pod was deleted is declared dead at once, and the pod of a silo
    /// the cluster declared dead is deleted so its controller replaces it. Needs POD_NAME,
    /// POD_NAMESPACE and POD_IP from the downward API, a service account that may get, list, watch,
    /// patch and delete pods, and <c>Once:Clustering=Postgres</c> (membership stays in PostgreSQL).
    /// Default: false.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>Where an entity that is not active anywhere is activated. Default: PreferLocal.</summary>
    public PlacementKind Placement { get; set; } = PlacementKind.PreferLocal;

    /// <summary>
    /// Delivery guarantees by entity type, overriding what the type was registered with, e.g.
    /// <c>Once:Guarantees:accounts=AtLeastOnce</c>. Default: none (every type as registered).
    /// </summary>
    public Dictionary<string, string> Guarantees { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The ledger's retention (<c>Once:Ledger</c>). Default: see <see cref="LedgerOptions"/>.</summary>
    public LedgerOptions Ledger { get; set; } = new();

    /// <summary>The native entity store's group commit and ledger clean-up (<c>Once:Store</c>). Default: see <see cref="PostgresStoreOptions"/>.</summary>
    public PostgresStoreOptions Store { get; set; } = new();

    /// <summary>How HTTP effects are sent (<c>Once:Webhooks</c>). Default: see <see cref="WebhookOptions"/>.</summary>
    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Reads and checks the silo settings; throws <see cref="OnceConfigurationException"/> naming every bad one.</summary>
    public static OnceSiloOptions Load(IConfiguration configuration, OnceOptions shared)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(shared);
        var section = configuration.GetSection(OnceOptions.SectionName);
        var options = new OnceSiloOptions();
        try
        {
            section.Bind(options);
            OnceOptions.BindStrictly(section.GetSection(nameof(Ledger)), options.Ledger);
            OnceOptions.BindStrictly(section.GetSection(nameof(Store)), options.Store);
            OnceOptions.BindStrictly(section.GetSection(nameof(Webhooks)), options.Webhooks);
        }
        catch (InvalidOperationException e)
        {
            throw new OnceConfigurationException([OnceOptions.Explain(e.Message)]);
        }

        var problems = options.Validate(shared);
        if (problems.Count > 0)
        {
            throw new OnceConfigurationException(problems);
        }

        return options;
    }

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate(OnceOptions shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var problems = new List<string>();
        if (!Enum.IsDefined(Placement))
        {
            problems.Add($"Once:Placement must be PreferLocal, ResourceOptimized or Random (was {Placement}).");
        }

        if (ApplySchema && shared.Storage == StorageKind.Memory && shared.Clustering != ClusteringKind.Postgres)
        {
            problems.Add("Once:ApplySchema is true but nothing uses PostgreSQL; set Once:Storage or Once:Clustering to Postgres.");
        }

        if (Kubernetes && shared.Clustering != ClusteringKind.Postgres)
        {
            problems.Add($"Once:Kubernetes is true but Once:Clustering is {shared.Clustering}; set Once:Clustering to Postgres (the membership table stays in PostgreSQL on Kubernetes).");
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
        problems.AddRange(Webhooks.Validate());

        return problems;
    }

    /// <summary>The configured delivery guarantees, parsed (call after validation).</summary>
    public IReadOnlyDictionary<string, DeliveryGuarantee> ParsedGuarantees() =>
        Guarantees.ToDictionary(g => g.Key, g => Enum.Parse<DeliveryGuarantee>(g.Value), StringComparer.Ordinal);
}
