using System.Text;
using System.Xml.Linq;
using k8s;
using k8s.Models;
using Once.Postgres.Tests.Processes;

namespace Once.Postgres.Tests.Deploy;

/// <summary>
/// deploy/k8s renders (<c>kubectl kustomize</c>) into objects the Kubernetes API accepts, checked
/// offline against its schemas, and holds what the README promises of it. Without kubectl or the
/// schema check's packages these tests fail; .ci/run installs both.
/// </summary>
public sealed class KubernetesManifestTests
{
    /// <summary>A valid Deployment, for the negative controls: each breaks it in one place.</summary>
    private const string ValidDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: control
        spec:
          replicas: 2
          selector:
            matchLabels: {app: control}
          template:
            metadata:
              labels: {app: control}
            spec:
              containers: [{name: app, image: "registry.example/app:1.0.0", ports: [{containerPort: 8080, protocol: TCP}], readinessProbe: {httpGet: {path: /health/ready, port: 8080}}}]
        """;

    [Fact]
    public async Task LocalOverlay_Rendered_EveryObjectValid()
    {
        var yaml = await KubernetesManifests.RenderAsync(KubernetesManifests.LocalOverlay);

        var problems = await KubernetesManifests.ValidateAsync(yaml);

        Assert.True(problems.Count == 0, "The local overlay renders invalid objects:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        var kinds = KubernetesManifests.Objects(yaml).GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["ConfigMap"] = 1, ["Deployment"] = 1, ["Namespace"] = 1, ["PodDisruptionBudget"] = 2, ["Role"] = 1, ["RoleBinding"] = 1,
                ["Secret"] = 4, ["Service"] = 3, ["ServiceAccount"] = 2, ["StatefulSet"] = 2,
            },
            kinds);
    }

    [Fact]
    public async Task Base_Rendered_EveryObjectValidAndEverySecretAPlaceholder()
    {
        var yaml = await KubernetesManifests.RenderAsync(KubernetesManifests.Base);

        var problems = await KubernetesManifests.ValidateAsync(yaml);

        Assert.True(problems.Count == 0, "The base renders invalid objects:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        var secrets = KubernetesManifests.Objects(yaml).OfType<V1Secret>().ToList();
        Assert.Equal(["once-api-keys", "once-postgres", "once-tls"], secrets.Select(s => BaseName(s.Metadata.Name)).Order(StringComparer.Ordinal));
        var values = secrets.SelectMany(s => s.Data.Select(d => (Key: $"{s.Metadata.Name}/{d.Key}", Value: Encoding.UTF8.GetString(d.Value)))).ToList();
        var real = values.Where(v => !v.Value.Contains("REPLACE-ME", StringComparison.Ordinal) && !v.Key.EndsWith("__Scopes", StringComparison.Ordinal)).Select(v => v.Key);
        Assert.Empty(real);
    }

    [Fact]
    public async Task Validator_ValidDeployment_Accepted()
    {
        Assert.Empty(await KubernetesManifests.ValidateAsync(ValidDeployment));
    }

    /// <summary>The negative controls: the same validator refuses each broken object, naming what is wrong.</summary>
    [Theory]
    [InlineData("replicas: 2", "replicas: \"three\"", "replicas")]
    [InlineData("      containers: [{name: app, ", "      initContainers: [{name: app, ", "containers")]
    [InlineData("{name: app, image", "{image", "name")]
    [InlineData("readinessProbe", "readinesProbe", "readinesProbe")]
    [InlineData("protocol: TCP", "protocol: TCPX", "protocol")]
    [InlineData("kind: Deployment", "kind: Deploymnt", "Deploymnt")]
    [InlineData("containerPort: 8080", "containerPort: 80.5", "containerPort")]
    public async Task Validator_BrokenDeployment_Refused(string valid, string broken, string named)
    {
        Assert.Contains(valid, ValidDeployment, StringComparison.Ordinal);

        var problems = await KubernetesManifests.ValidateAsync(ValidDeployment.Replace(valid, broken, StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LocalOverlay_Silos_ThreeOnKubernetesHostingWithPostgresMembership()
    {
        var objects = await LocalObjectsAsync();
        var silos = Single<V1StatefulSet>(objects, "once-silo");
        var pod = silos.Spec.Template.Spec;
        var silo = Assert.Single(pod.Containers);
        var env = silo.Env.ToDictionary(e => e.Name);
        var shared = SharedSettings(objects, silo);

        Assert.Equal(3, silos.Spec.Replicas);
        Assert.Equal(("true", "true", "$(POD_IP)"), (env["Once__Kubernetes"].Value, env["Once__ListenOnAnyAddress"].Value, env["Once__AdvertisedHost"].Value));
        Assert.Equal(
            ["metadata.name", "metadata.namespace", "status.podIP"],
            new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP" }.Select(n => env[n].ValueFrom.FieldRef.FieldPath));
        Assert.Equal(("Postgres", "Postgres"), (shared["Once__Clustering"], shared["Once__Storage"]));
        // Orleans' Kubernetes hosting finds the cluster's pods by these labels.
        Assert.Equal((shared["Once__ServiceId"], shared["Once__ClusterId"]), (silos.Spec.Template.Metadata.Labels["orleans/serviceId"], silos.Spec.Template.Metadata.Labels["orleans/clusterId"]));
        // Longer than .NET's 30 s host shutdown, so a silo leaves the cluster gracefully before it is killed.
        Assert.True(pod.TerminationGracePeriodSeconds > 30, $"terminationGracePeriodSeconds is {pod.TerminationGracePeriodSeconds}");
        var migrate = Assert.Single(pod.InitContainers);
        Assert.Equal((silo.Image, "migrate"), (migrate.Image, Assert.Single(migrate.Args)));
        Assert.Contains(migrate.Env, e => e.Name == "ONCE_POSTGRES" && e.ValueFrom.SecretKeyRef is not null);
    }

    [Fact]
    public async Task LocalOverlay_SiloServiceAccount_MayGetListWatchPatchAndDeletePods()
    {
        var objects = await LocalObjectsAsync();
        var account = Single<V1StatefulSet>(objects, "once-silo").Spec.Template.Spec.ServiceAccountName;

        var binding = Assert.Single(objects.OfType<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account && s.NamespaceProperty == "once"));
        var role = Single<V1Role>(objects, binding.RoleRef.Name);

        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule.Verbs.Order(StringComparer.Ordinal));
        Assert.False(Single<V1Deployment>(objects, "once-api").Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public async Task LocalOverlay_Api_TwoReplicasProbedAndServed()
    {
        var objects = await LocalObjectsAsync();
        var api = Single<V1Deployment>(objects, "once-api");
        var container = Assert.Single(api.Spec.Template.Spec.Containers);
        var service = Single<V1Service>(objects, "once-api");

        Assert.Equal(2, api.Spec.Replicas);
        Assert.Equal("ApiKey", container.Env.Single(e => e.Name == "Once__Auth__Mode").Value);
        Assert.Contains(container.EnvFrom, e => e.SecretRef is not null && BaseName(e.SecretRef.Name) == "once-api-keys");
        Assert.Subset(api.Spec.Template.Metadata.Labels.ToHashSet(), service.Spec.Selector.ToHashSet());
        Assert.Equal("http", Assert.Single(service.Spec.Ports).TargetPort.Value);
    }

    /// <summary>Every workload's probes, disruption budget and TLS material (off in the local overlay only).</summary>
    [Fact]
    public async Task LocalOverlay_Workloads_ProbedBudgetedAndGivenTheirCertificates()
    {
        var objects = await LocalObjectsAsync();
        var budgets = objects.OfType<V1PodDisruptionBudget>().ToList();

        foreach (var (name, template, certificate) in new[]
        {
            ("once-silo", Single<V1StatefulSet>(objects, "once-silo").Spec.Template, "silo"),
            ("once-api", Single<V1Deployment>(objects, "once-api").Spec.Template, "api"),
        })
        {
            var container = Assert.Single(template.Spec.Containers);
            Assert.Equal(("/health/ready", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
            Assert.Equal(("/health/live", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
            Assert.Contains(container.Ports, p => p.Name == "http" && p.ContainerPort == 8080);
            var budget = Assert.Single(budgets, b => b.Spec.Selector.MatchLabels.All(l => template.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
            Assert.True(budget.Spec.MaxUnavailable?.Value == "1" || budget.Spec.MinAvailable?.Value == "1", $"{budget.Metadata.Name} lets more than one pod go");
            var env = container.Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal(($"/etc/once/tls/{certificate}.pem", $"/etc/once/tls/{certificate}.key"), (env["Once__Tls__Certificate"], env["Once__Tls__Key"]));
            Assert.Equal("/etc/once/tls", container.VolumeMounts.Single(m => m.Name == "tls").MountPath);
            Assert.Equal(
                new[] { "ca.pem", $"{certificate}.key", $"{certificate}.pem" }.Order(StringComparer.Ordinal),
                template.Spec.Volumes.Single(v => v.Name == "tls").Secret.Items.Select(i => i.Path).Order(StringComparer.Ordinal));
            Assert.Equal(("/etc/once/tls/ca.pem", "false"), (SharedSettings(objects, container)["Once__Tls__TrustRoot"], SharedSettings(objects, container)["Once__Tls__Enabled"]));
        }
    }

    [Fact]
    public async Task LocalOverlay_EveryContainer_NonRootReadOnlyNoCapabilitiesBounded()
    {
        var objects = await LocalObjectsAsync();

        var pods = PodTemplates(objects).ToList();

        Assert.Equal(3, pods.Count);
        foreach (var (workload, pod) in pods)
        {
            Assert.True(pod.SecurityContext.RunAsNonRoot, $"{workload}: runAsNonRoot");
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var where = $"{workload}/{container.Name}";
                Assert.True(container.SecurityContext.AllowPrivilegeEscalation == false, $"{where}: allowPrivilegeEscalation");
                Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, $"{where}: readOnlyRootFilesystem");
                Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
                Assert.Null(container.SecurityContext.Capabilities.Add);
                Assert.Equal(["cpu", "memory"], container.Resources.Requests.Keys.Order(StringComparer.Ordinal));
                Assert.Equal(["cpu", "memory"], container.Resources.Limits.Keys.Order(StringComparer.Ordinal));
                Assert.True(IsPinned(container.Image), $"{where}: image '{container.Image}' is not pinned to a version");
            }
        }
    }

    [Fact]
    public async Task LocalOverlay_OnceImages_FromTheLocalRegistryAtTheProjectVersion()
    {
        var objects = await LocalObjectsAsync();
        var props = XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props"));
        var version = $"{props.Descendants("VersionPrefix").Single().Value}-{props.Descendants("VersionSuffix").Single().Value}";

        var images = PodTemplates(objects).SelectMany(p => p.Pod.Containers.Concat(p.Pod.InitContainers ?? [])).Select(c => c.Image).Where(i => i.Contains("once-", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal([$"localhost:5000/once-api:{version}", $"localhost:5000/once-silo:{version}"], images);
    }

    /// <summary>Every config map, secret, key and service account a pod names is among the rendered objects.</summary>
    [Fact]
    public async Task LocalOverlay_EveryReference_ResolvesToARenderedObject()
    {
        var objects = await LocalObjectsAsync();
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name, c => c.Data.Keys.ToHashSet());
        var secrets = objects.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name, s => s.Data.Keys.ToHashSet());
        var accounts = objects.OfType<V1ServiceAccount>().Select(a => a.Metadata.Name).ToHashSet();
        var unresolved = new List<string>();

        foreach (var (workload, pod) in PodTemplates(objects))
        {
            if (pod.ServiceAccountName is { } account && !accounts.Contains(account))
            {
                unresolved.Add($"{workload}: service account {account}");
            }

            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                unresolved.AddRange((container.EnvFrom ?? [])
                    .Where(e => e.ConfigMapRef is { } c ? !configMaps.ContainsKey(c.Name) : !secrets.ContainsKey(e.SecretRef.Name))
                    .Select(e => $"{workload}/{container.Name}: envFrom {e.ConfigMapRef?.Name ?? e.SecretRef.Name}"));
                unresolved.AddRange((container.Env ?? [])
                    .Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>()
                    .Where(s => !secrets.TryGetValue(s.Name, out var keys) || !keys.Contains(s.Key))
                    .Select(s => $"{workload}/{container.Name}: secret {s.Name} key {s.Key}"));
            }

            unresolved.AddRange((pod.Volumes ?? []).Select(v => v.Secret).OfType<V1SecretVolumeSource>()
                .Where(s => !secrets.TryGetValue(s.SecretName, out var keys) || (s.Items ?? []).Any(i => !keys.Contains(i.Key)))
                .Select(s => $"{workload}: volume of secret {s.SecretName}"));
        }

        Assert.Empty(unresolved);
        foreach (var set in objects.OfType<V1StatefulSet>())
        {
            Assert.Contains(objects.OfType<V1Service>(), s => s.Metadata.Name == set.Spec.ServiceName);
        }
    }

    /// <summary>The image check's own controls: a tag that names a version passes, none or latest fails.</summary>
    [Theory]
    [InlineData("postgres:15.10-bookworm", true)]
    [InlineData("localhost:5000/once-silo:0.1.0-preview.1", true)]
    [InlineData("once-silo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("once-silo", false)]
    [InlineData("localhost:5000/once-silo", false)]
    [InlineData("once-silo:latest", false)]
    [InlineData("", false)]
    public void ImageReference_PinnedOrNot_Judged(string image, bool pinned)
    {
        Assert.Equal(pinned, IsPinned(image));
    }

    private static async Task<IReadOnlyList<IKubernetesObject>> LocalObjectsAsync() =>
        KubernetesManifests.Objects(await KubernetesManifests.RenderAsync(KubernetesManifests.LocalOverlay));

    private static T Single<T>(IReadOnlyList<IKubernetesObject> objects, string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(objects.OfType<T>(), o => o.Metadata.Name == name);

    private static IEnumerable<(string Workload, V1PodSpec Pod)> PodTemplates(IReadOnlyList<IKubernetesObject> objects) =>
        objects.OfType<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template.Spec))
            .Concat(objects.OfType<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec)))
            .Concat(objects.OfType<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template.Spec)));

    /// <summary>The settings a container takes from its config maps (envFrom).</summary>
    private static Dictionary<string, string> SharedSettings(IReadOnlyList<IKubernetesObject> objects, V1Container container) =>
        container.EnvFrom.Where(e => e.ConfigMapRef is not null)
            .SelectMany(e => Single<V1ConfigMap>(objects, e.ConfigMapRef.Name).Data)
            .ToDictionary(d => d.Key, d => d.Value);

    /// <summary>A generated object's name without kustomize's content hash (once-tls-cfg26g8m66: once-tls).</summary>
    private static string BaseName(string name) => name[..name.LastIndexOf('-')];

    /// <summary>An image pinned to a version: a digest, or a tag other than latest.</summary>
    private static bool IsPinned(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return true;
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash && colon < image.Length - 1 && image[(colon + 1)..] != "latest";
    }
}
