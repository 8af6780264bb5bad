using Once.Abstractions;
using Orleans.Streams;

namespace Once.Grains;

/// <summary>Entity grains subscribe implicitly to every stream whose namespace is an entity type name.</summary>
public sealed class EntityStreamNamespacePredicate : IStreamNamespacePredicate
{
    // The constructor pattern lets every silo rebuild this predicate from the grain manifest.
    public string PredicatePattern { get; } = ConstructorStreamNamespacePredicateProvider.FormatPattern(typeof(EntityStreamNamespacePredicate), constructorArgument: null);

    public bool IsMatch(string streamNamespace) => EntityTypeName.TryParse(streamNamespace, out _, out _);
}
