namespace Once.Http.Tests;

/// <summary><c>GET /v1/dead-letters</c> and <c>POST /v1/dead-letters/{id}/requeue</c>.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class DeadLetterEndpointTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task List_DefaultPage_200WithItemsAndPaging()
    {
        var answer = await Answer.ReadAsync(await _client.GetAsync(new Uri("/v1/dead-letters", UriKind.Relative)));

        Assert.Equal(200, answer.Status);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, answer.Json.GetProperty("items").ValueKind);
        Assert.Equal((0, 50), (answer.Json.GetProperty("offset").GetInt32(), answer.Json.GetProperty("limit").GetInt32()));
        Assert.True(answer.Json.GetProperty("total").GetInt32() >= 0);
    }

    [Theory]
    [InlineData("?offset=-1")]
    [InlineData("?limit=0")]
    [InlineData("?limit=501")]
    public async Task List_BadPaging_400Problem(string query)
    {
        var answer = await Answer.ReadAsync(await _client.GetAsync(new Uri("/v1/dead-letters" + query, UriKind.Relative)));

        Assert.Equal(400, answer.Status);
        Assert.True(answer.IsProblem);
    }

    [Fact]
    public async Task Requeue_UnknownId_404Problem()
    {
        var answer = await Answer.ReadAsync(await _client.PostAsync(new Uri("/v1/dead-letters/dl-unknown/requeue", UriKind.Relative), null));

        Assert.Equal(404, answer.Status);
        Assert.True(answer.IsProblem);
    }
}
