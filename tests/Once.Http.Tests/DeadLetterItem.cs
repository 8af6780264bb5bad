using System.Text.Json;
using Once.Abstractions;

namespace Once.Http.Tests;

/// <summary>One item of <c>GET /v1/dead-letters</c>, as a client reads it.</summary>
internal sealed record DeadLetterItem(
    string Id, string Entity, string MessageId, string MessageType, string Reason, string Source, int Attempts, DateTimeOffset DeadLetteredAt)
{
    /// <summary>The dead letter of an entity (<c>{type}/{id}</c>) in a listing; null when there is none.</summary>
    public static DeadLetterItem? Find(Answer listing, string entity)
    {
        Assert.True(listing.Status == 200, $"Expected 200, got {listing}");
        var items = listing.Json.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("entity").GetString() == entity)
            .Select(From)
            .ToArray();
        Assert.True(items.Length <= 1, $"{entity} has {items.Length} dead letters: {listing}");
        return items.SingleOrDefault();
    }

    private static DeadLetterItem From(JsonElement item) => new(
        item.GetProperty("id").GetString()!,
        item.GetProperty("entity").GetString()!,
        item.GetProperty("messageId").GetString()!,
        item.GetProperty("messageType").GetString()!,
        item.GetProperty("reason").GetString()!,
        item.GetProperty("source").GetString()!,
        item.GetProperty("attempts").GetInt32(),
        item.GetProperty("deadLetteredAt").GetDateTimeOffset());
}
