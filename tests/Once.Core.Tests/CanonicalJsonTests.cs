using System.Text.Json;

namespace Once.Core.Tests;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json)
    {
        Assert.True(CanonicalJson.TryCanonicalize(json, out var canonical, out var error), $"'{json}' was refused: {error}");
        return canonical;
    }

    [Fact]
    public void Object_MembersInAnyOrder_SortedByOrdinalName()
    {
        Assert.Equal("""{"B":4,"a":1,"b":2,"c":3}""", Canonical("""{"c":3,"a":1,"b":2,"B":4}"""));
        Assert.Equal(Canonical("""{"x":1,"y":2}"""), Canonical("""{"y":2,"x":1}"""));
    }

    [Fact]
    public void Document_InsignificantWhitespace_Removed()
    {
        var spaced = "  {\n\t\"a\" :  [ 1 , 2 ,\r\n 3 ] ,  \"b\" : { \"c\" : true , \"d\" : null } }  ";
        Assert.Equal("""{"a":[1,2,3],"b":{"c":true,"d":null}}""", Canonical(spaced));
    }

    [Fact]
    public void NestedObjectsAndArrays_ReorderedAtEveryLevel_SameCanonicalForm()
    {
        var one = """{"z":[{"b":1,"a":[{"d":2,"c":1}]},false],"a":{"y":"t","x":[]}}""";
        var two = """{ "a": { "x": [], "y": "t" }, "z": [ { "a": [ { "c": 1, "d": 2 } ], "b": 1 }, false ] }""";
        Assert.Equal("""{"a":{"x":[],"y":"t"},"z":[{"a":[{"c":1,"d":2}],"b":1},false]}""", Canonical(one));
        Assert.Equal(Canonical(one), Canonical(two));
    }

    [Fact]
    public void Array_ElementOrder_Kept()
    {
        Assert.Equal("[3,1,2]", Canonical("[3, 1, 2]"));
        Assert.NotEqual(Canonical("[1,2]"), Canonical("[2,1]"));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.50")]
    [InlineData("1.500000")]
    [InlineData("15e-1")]
    [InlineData("15E-1")]
    [InlineData("0.15e1")]
    [InlineData("1.5e0")]
    [InlineData("1.5E+0")]
    public void Number_EqualValueWrittenDifferently_OneForm(string number)
    {
        Assert.Equal("1.5", Canonical(number));
        Assert.Equal("""{"n":1.5}""", Canonical($$"""{"n":{{number}}}"""));
    }

    [Theory]
    [InlineData("100", "100")]
    [InlineData("1e2", "100")]
    [InlineData("100.00", "100")]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("0.00", "0")]
    [InlineData("0e5", "0")]
    [InlineData("-2.50", "-2.5")]
    [InlineData("1000000000000", "1000000000000")]
    public void Number_Integers_ZeroAndNegatives_OneForm(string number, string expected)
    {
        Assert.Equal(expected, Canonical(number));
    }

    [Fact]
    public void Number_DifferentValues_DifferentForms()
    {
        Assert.NotEqual(Canonical("1.5"), Canonical("1.05"));
        Assert.NotEqual(Canonical("1.01"), Canonical("1.001"));
        Assert.NotEqual(Canonical("10"), Canonical("1"));
    }

    [Fact]
    public void Number_BeyondDecimalRange_OneSpellingPerValue()
    {
        // Numbers a decimal cannot hold are normalized exactly from their text as well.
        Assert.Equal(Canonical("1e400"), Canonical("1E+400"));
        Assert.Equal(Canonical("1e400"), Canonical("10e399"));
        Assert.Equal("""{"n":-1E400}""", Canonical("""{ "n" : -1E+400 }"""));
        Assert.NotEqual(Canonical("1e400"), Canonical("1e401"));
    }

    [Fact]
    public void Number_MoreDigitsThanDecimalHolds_DifferentValuesKeepDifferentForms()
    {
        // Two numbers that differ only in the 31st significant digit are different content.
        // If canonicalization rounds them to one decimal, a reused message id with other content
        // gets the same fingerprint and is replayed as a duplicate instead of refused as a mismatch.
        var a = Canonical("1.000000000000000000000000000001");
        var b = Canonical("1.000000000000000000000000000002");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Number_TooSmallForDecimal_NotConfusedWithZero()
    {
        // 1e-40 is not zero; rounding it into decimal would make it indistinguishable from 0.
        Assert.NotEqual(Canonical("0"), Canonical("1e-40"));
    }

    [Theory]
    [InlineData("\"\\u0041\"", "\"A\"")]
    [InlineData("\"\\u00e9\"", "\"é\"")]
    [InlineData("\"\\/\"", "\"/\"")]
    [InlineData("\"\\t\"", "\"\\t\"")]
    [InlineData("\"a\\\"b\"", "\"a\\\"b\"")]
    [InlineData("\"\\\\\"", "\"\\\\\"")]
    public void String_DifferentEscapesOfOneText_OneForm(string json, string expected)
    {
        Assert.Equal(expected, Canonical(json));
    }

    [Fact]
    public void String_EscapedAndLiteralCharacters_SameCanonicalForm()
    {
        Assert.Equal(Canonical("""{"k":"A\u00e9\u20ac"}"""), Canonical("""{"k":"Aé€"}"""));
        Assert.Equal(Canonical("""{"\u0061":1}"""), Canonical("""{"a":1}"""));
        Assert.Equal(Canonical("\"\\ud83d\\ude00\""), Canonical("\"😀\""));
    }

    [Fact]
    public void Literals_TrueFalseNull_Kept()
    {
        Assert.Equal("[true,false,null]", Canonical("[ true , false , null ]"));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"a":1,"a":1}""")]
    [InlineData("""{"a":1,"b":2,"\u0061":3}""")]
    [InlineData("""{"outer":{"x":1,"x":1}}""")]
    [InlineData("""[{"ok":1},{"d":1,"d":2}]""")]
    public void Object_DuplicateMemberNames_Refused(string json)
    {
        Assert.False(CanonicalJson.TryCanonicalize(json, out _, out var error));
        Assert.NotNull(error);

        using var document = JsonDocument.Parse(json);
        Assert.Throws<JsonException>(() => CanonicalJson.Canonicalize(document.RootElement));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"a\":}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1,2")]
    [InlineData("{'a':1}")]
    [InlineData("{a:1}")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData("NaN")]
    [InlineData("{} {}")]
    [InlineData("{\"a\":1} // comment")]
    [InlineData("\"unterminated")]
    public void Text_Malformed_Refused(string json)
    {
        Assert.False(CanonicalJson.TryCanonicalize(json, out var canonical, out var error));
        Assert.NotNull(error);
        Assert.Equal(string.Empty, canonical);
    }

    [Fact]
    public void Text_NestedDeeperThanLimit_Refused()
    {
        var deep = new string('[', 65) + new string(']', 65);
        var allowed = new string('[', 64) + new string(']', 64);

        Assert.False(CanonicalJson.TryCanonicalize(deep, out _, out _));
        Assert.Equal(allowed, Canonical(allowed));
    }

    [Fact]
    public void String_LoneSurrogateEscape_RefusedNotThrown()
    {
        // "\ud800" is well-formed JSON syntax but no valid text; TryCanonicalize promises an error,
        // not an exception, for input it cannot canonicalize.
        var refused = !CanonicalJson.TryCanonicalize("""{"k":"\ud800"}""", out _, out var error);
        Assert.True(refused);
        Assert.NotNull(error);
    }

    [Fact]
    public void Canonicalize_OwnOutput_Unchanged()
    {
        var once = Canonical("""{ "b": [1.50, {"y": 2, "x": "\u0041"}], "a": -0.0 }""");
        Assert.Equal("""{"a":0,"b":[1.5,{"x":"A","y":2}]}""", once);
        Assert.Equal(once, Canonical(once));
    }
}
