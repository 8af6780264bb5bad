using System.Net;
using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Grains;

namespace Once.Cluster.Tests;

/// <summary>
/// Which webhook targets a silo contacts (<c>Once:Webhooks</c>): allowed hosts, https unless told
/// otherwise, and no loopback, private or link-local address unless told otherwise, checked on the
/// address the name resolves to.
/// </summary>
public sealed class WebhookTargetTests
{
    [Theory]
    [InlineData("hooks.example.com", "https://hooks.example.com/x", true)]
    [InlineData("HOOKS.example.com", "https://hooks.EXAMPLE.com:8443/x", true)]
    [InlineData("hooks.example.com", "https://evil.example.com/x", false)]
    [InlineData("hooks.example.com", "https://hooks.example.com.evil.net/x", false)]
    [InlineData("*.example.com", "https://a.example.com/x", true)]
    [InlineData("*.example.com", "https://a.b.example.com/x", true)]
    [InlineData("*.example.com", "https://example.com/x", false)]
    [InlineData("*.example.com", "https://badexample.com/x", false)]
    [InlineData("203.0.113.7", "https://203.0.113.7/x", true)]
    [InlineData("::1", "https://[::1]/x", true)]
    public void Host_AgainstAllowedHosts_AllowedOnlyWhenListed(string allowed, string url, bool expected)
    {
        var targets = new WebhookTargets(new WebhookOptions { AllowedHosts = [allowed] });

        Assert.Equal(expected, targets.Refusal(new Uri(url)) is null);
    }

    [Fact]
    public void NoAllowedHosts_EveryTargetRefused_SayingTheListIsEmpty()
    {
        var refusal = new WebhookTargets(new WebhookOptions()).Refusal(new Uri("https://hooks.example.com/x"));

        Assert.Equal("no webhook host is allowed (Once:Webhooks:AllowedHosts is empty).", refusal);
    }

    [Theory]
    [InlineData("http://hooks.example.com/x", false, false)]
    [InlineData("http://hooks.example.com/x", true, true)]
    [InlineData("ftp://hooks.example.com/x", true, false)]
    [InlineData("https://hooks.example.com/x", false, true)]
    public void Scheme_HttpsOnlyUnlessAllowHttp(string url, bool allowHttp, bool expected)
    {
        var targets = new WebhookTargets(new WebhookOptions { AllowedHosts = ["hooks.example.com"], AllowHttp = allowHttp });

        Assert.Equal(expected, targets.Refusal(new Uri(url)) is null);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("203.0.113.7", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void Address_PrivateRangesRefused(string address, bool isPublic)
    {
        Assert.Equal(isPublic, WebhookTargets.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("https://hooks.example.com")]
    [InlineData("hooks.example.com:443")]
    [InlineData("hooks.example.com/x")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("")]
    public void Validate_AllowedHostThatIsNoHost_RefusedNamingTheSetting(string pattern)
    {
        var problems = new WebhookOptions { AllowedHosts = [pattern] }.Validate().ToList();

        var problem = Assert.Single(problems);
        Assert.StartsWith("Once:Webhooks:AllowedHosts holds ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HostsAddressesAndSuffixes_Accepted()
    {
        Assert.Empty(new WebhookOptions { AllowedHosts = ["hooks.example.com", "*.example.com", "203.0.113.7", "::1"] }.Validate());
    }

    [Fact]
    public async Task Sender_NameResolvingToLoopback_RefusedBeforeConnecting_AllowedWithAllowPrivateNetworks()
    {
        using var receiver = new WebhookReceiver();
        var call = new HttpEffect(new UriBuilder(receiver.Url) { Host = "localhost" }.Uri.ToString(), "{}");
        var options = new WebhookOptions { AllowedHosts = ["localhost"], AllowHttp = true };
        using var closed = new WebhookSender(Options.Create(options));

        var refused = await Assert.ThrowsAsync<WebhookTargetRefusedException>(() => closed.PostAsync(call, new MessageId("e-1")));

        Assert.Contains("'localhost' resolves to ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Once:Webhooks:AllowPrivateNetworks", refused.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);

        // The control: the same call with private networks allowed reaches the receiver (which,
        // listening for the host 127.0.0.1 only, answers another host name itself with 404).
        options.AllowPrivateNetworks = true;
        using var open = new WebhookSender(Options.Create(options));
        Assert.Equal(404, await open.PostAsync(call, new MessageId("e-1")));
    }

    [Fact]
    public async Task Sender_LoopbackAddress_RefusedWithoutAllowPrivateNetworks_SentWithIt()
    {
        using var receiver = new WebhookReceiver();
        var call = new HttpEffect(receiver.Url.ToString(), "{}");
        var options = new WebhookOptions { AllowedHosts = ["127.0.0.1"], AllowHttp = true };
        using var closed = new WebhookSender(Options.Create(options));

        await Assert.ThrowsAsync<WebhookTargetRefusedException>(() => closed.PostAsync(call, new MessageId("e-2")));
        Assert.Empty(receiver.Requests);

        options.AllowPrivateNetworks = true;
        using var open = new WebhookSender(Options.Create(options));
        Assert.Equal(200, await open.PostAsync(call, new MessageId("e-2")));
        Assert.Equal("e-2", Assert.Single(receiver.Requests).Key);
    }

    [Fact]
    public async Task Sender_RedirectAnswered_NotFollowed()
    {
        using var receiver = new WebhookReceiver(status: 307);
        using var sender = new WebhookSender(Options.Create(new WebhookOptions { AllowedHosts = ["127.0.0.1"], AllowHttp = true, AllowPrivateNetworks = true }));

        Assert.Equal(307, await sender.PostAsync(new HttpEffect(receiver.Url.ToString(), "{}"), new MessageId("e-3")));
        Assert.Single(receiver.Requests);
    }
}
