using Once.Abstractions;

namespace Once.Core.Tests;

public sealed class IdentifierTests
{
    public static TheoryData<string?, bool> MessageIds => new()
    {
        { null, false },
        { "", false },
        { "a", true },
        { "!", true },
        { "~", true },
        { new string('x', 255), true },
        { new string('x', 256), false },
        { "a b", false },
        { " a", false },
        { "a\t", false },
        { "a\u007f", false },
        { "a\u001f", false },
        { "café", false },
        { "a\u00a0b", false },
        { "order-1._:~-", true },
        { "{\"json\":[1,2]}/?#%&=+@", true },
        { "550e8400-e29b-41d4-a716-446655440000", true },
    };

    public static TheoryData<string?, bool> EntityIds => new()
    {
        { null, false },
        { "", false },
        { "a", true },
        { "7", true },
        { "12345", true },
        { new string('x', 128), true },
        { new string('x', 129), false },
        { "a.b_c:d~e-f", true },
        { "A-Z_az.09", true },
        { "a b", false },
        { "a/b", false },
        { "a\u007f", false },
        { "é", false },
        { "a!", false },
        { "a+b", false },
        { "a@b", false },
    };

    public static TheoryData<string?, bool> EntityTypeNames => new()
    {
        { null, false },
        { "", false },
        { "a", true },
        { "accounts", true },
        { "order-lines2", true },
        { "a" + new string('b', 63), true },
        { "a" + new string('b', 64), false },
        { "Accounts", false },
        { "1accounts", false },
        { "-accounts", false },
        { "acc_ounts", false },
        { "acc.ounts", false },
        { "acc ounts", false },
        { "accöunts", false },
    };

    [Theory]
    [MemberData(nameof(MessageIds))]
    public void MessageId_Value_TryParseAndConstructorAgree(string? value, bool valid)
    {
        var parsed = MessageId.TryParse(value, out var id, out var error);

        Assert.Equal(valid, parsed);
        if (valid)
        {
            Assert.Null(error);
            Assert.Equal(value, id.Value);
            Assert.Equal(new MessageId(value!), id);
            Assert.Equal(value, id.ToString());
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.Equal(default, id);
            var thrown = Assert.ThrowsAny<ArgumentException>(() => new MessageId(value!));
            Assert.Contains(error!, thrown.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EntityIds))]
    public void EntityId_Value_TryParseAndConstructorAgree(string? value, bool valid)
    {
        var parsed = EntityId.TryParse(value, out var id, out var error);

        Assert.Equal(valid, parsed);
        if (valid)
        {
            Assert.Null(error);
            Assert.Equal(value, id.Value);
            Assert.Equal(new EntityId(value!), id);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.Equal(default, id);
            var thrown = Assert.ThrowsAny<ArgumentException>(() => new EntityId(value!));
            Assert.Contains(error!, thrown.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EntityTypeNames))]
    public void EntityTypeName_Value_TryParseAndConstructorAgree(string? value, bool valid)
    {
        var parsed = EntityTypeName.TryParse(value, out var name, out var error);

        Assert.Equal(valid, parsed);
        if (valid)
        {
            Assert.Null(error);
            Assert.Equal(value, name.Value);
            Assert.Equal(new EntityTypeName(value!), name);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.Equal(default, name);
            var thrown = Assert.ThrowsAny<ArgumentException>(() => new EntityTypeName(value!));
            Assert.Contains(error!, thrown.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MessageId_EveryPrintableAsciiCharacter_Accepted()
    {
        for (var c = '!'; c <= '~'; c++)
        {
            Assert.True(MessageId.TryParse(c.ToString(), out _, out _), $"'{c}' should be allowed");
        }

        Assert.False(MessageId.TryParse(" ", out _, out _));
        Assert.False(MessageId.TryParse("\u007f", out _, out _));
    }

    [Fact]
    public void Identifiers_SameText_EqualAndSameHash()
    {
        Assert.Equal(new MessageId("m-1"), new MessageId("m-1"));
        Assert.Equal(new MessageId("m-1").GetHashCode(), new MessageId("m-1").GetHashCode());
        Assert.NotEqual(new MessageId("m-1"), new MessageId("M-1"));
        Assert.NotEqual(new EntityId("a"), new EntityId("A"));
    }

    [Theory]
    [InlineData("accounts/acc-1", "accounts", "acc-1")]
    [InlineData("accounts/123", "accounts", "123")]
    [InlineData("orders/0", "orders", "0")]
    [InlineData("a/a.b_c:d~e-f", "a", "a.b_c:d~e-f")]
    [InlineData("order-lines2/X", "order-lines2", "X")]
    public void EntityKey_ParseThenToString_RoundTrips(string text, string type, string id)
    {
        var key = EntityKey.Parse(text);

        Assert.Equal(type, key.Type.Value);
        Assert.Equal(id, key.Id.Value);
        Assert.Equal(text, key.ToString());
        Assert.Equal(new EntityKey(type, id), key);
        Assert.Equal(key, EntityKey.Parse(key.ToString()));
    }

    [Fact]
    public void EntityKey_AllDigitId_KeyKeepsTypePrefix()
    {
        var key = new EntityKey("accounts", "42");

        Assert.Equal("accounts/42", key.ToString());
        Assert.False(long.TryParse(key.ToString(), out _));
    }

    [Fact]
    public void EntityKey_NoSlash_FormatException()
    {
        Assert.Throws<FormatException>(() => EntityKey.Parse("accounts"));
        Assert.Throws<FormatException>(() => EntityKey.Parse(""));
    }

    [Theory]
    [InlineData("/acc-1")]
    [InlineData("accounts/")]
    [InlineData("Accounts/acc-1")]
    [InlineData("accounts/a/b")]
    [InlineData("accounts/a b")]
    public void EntityKey_InvalidPart_Refused(string text)
    {
        Assert.ThrowsAny<ArgumentException>(() => EntityKey.Parse(text));
    }
}
