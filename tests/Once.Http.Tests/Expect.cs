using System.Text.Json;

namespace Once.Http.Tests;

/// <summary>Assertions on what a client sees, shared by the test classes.</summary>
internal static class Expect
{
    /// <summary>An RFC 9457 problem: problem+json with a type, a title and the numeric status of the response.</summary>
    public static JsonElement Problem(Answer answer, int status)
    {
        Assert.True(answer.Status == status, $"Expected {status}, got {answer}");
        Assert.True(answer.IsProblem, $"Expected application/problem+json, got {answer}");
        var json = answer.Json;
        Assert.False(string.IsNullOrEmpty(json.GetProperty("type").GetString()), answer.ToString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()), answer.ToString());
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        return json;
    }

    /// <summary>A 200 with status applied or unchanged; returns the body.</summary>
    public static JsonElement Success(Answer answer, string status, long version, string messageId)
    {
        Assert.True(answer.Status == 200, $"Expected 200, got {answer}");
        Assert.Equal("application/json", answer.MediaType);
        var json = answer.Json;
        Assert.Equal(status, json.GetProperty("status").GetString());
        Assert.Equal(messageId, json.GetProperty("messageId").GetString());
        Assert.Equal(version, json.GetProperty("version").GetInt64());
        Assert.Equal($"\"{version}\"", answer.ETag);
        return json;
    }

    /// <summary>The same response again, marked as a replay.</summary>
    public static void Replay(Answer first, Answer again)
    {
        Assert.Null(first.Replayed);
        Assert.Equal(first.Status, again.Status);
        Assert.Equal(first.MediaType, again.MediaType);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(first.ETag, again.ETag);
        Assert.Equal("true", again.Replayed);
    }

    public static void Account(JsonElement result, decimal balance, decimal limit)
    {
        Assert.Equal(balance, result.GetProperty("balance").GetDecimal());
        Assert.Equal(limit, result.GetProperty("limit").GetDecimal());
    }

    /// <summary>GET of the entity: 200 with type, id, the version (also as ETag) and the state.</summary>
    public static JsonElement Entity(Answer answer, string type, string id, long version)
    {
        Assert.True(answer.Status == 200, $"Expected 200, got {answer}");
        Assert.Equal("application/json", answer.MediaType);
        var json = answer.Json;
        Assert.Equal(type, json.GetProperty("type").GetString());
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.Equal(version, json.GetProperty("version").GetInt64());
        Assert.Equal($"\"{version}\"", answer.ETag);
        return json.GetProperty("state");
    }
}
