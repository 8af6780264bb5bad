namespace Once.Http.Tests;

/// <summary>Every test class of this assembly shares one cluster and one HTTP front end.</summary>
[CollectionDefinition(Name)]
public sealed class OnceHttpCollection : ICollectionFixture<OnceHttpFixture>
{
    public const string Name = "once-http";
}
