using Microsoft.Extensions.Options;

namespace Once.Hosting;

/// <summary>
/// Validates an options class at start with its own <c>Validate()</c>, whose messages name each
/// setting, so every feature's settings are checked once, in one place, whichever way the silo was built.
/// </summary>
internal sealed class SettingsValidator<TOptions>(Func<TOptions, IEnumerable<string>> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = validate(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
