using System.Globalization;

namespace Once.Benchmarks;

/// <summary>CPU time of processes, from /proc (utime + stime); zero off Linux.</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100.0;

    /// <summary>CPU seconds used so far by the given processes.</summary>
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(Seconds);

    public static double Seconds(int pid)
    {
        var stat = Stat(pid);
        return stat is null ? 0 : (stat.Value.UserTicks + stat.Value.SystemTicks) / TicksPerSecond;
    }

    /// <summary>
    /// CPU seconds used so far by each thread (by id) of a process with this name (such as ".NET Tiered Com");
    /// empty off Linux. A thread that exits takes its time with it, so compare snapshots thread by thread.
    /// </summary>
    public static Dictionary<int, double> Threads(int pid, string threadName)
    {
        var threads = new Dictionary<int, double>();
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return threads;
        }

        foreach (var folder in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "comm")).TrimEnd('\n') == threadName
                    && int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                    && Stat($"{tasks}/{tid}/stat") is { } stat)
                {
                    threads[tid] = (stat.UserTicks + stat.SystemTicks) / TicksPerSecond;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended between listing and reading.
            }
        }

        return threads;
    }

    /// <summary>The postmaster of a PostgreSQL backend (0 when unknown).</summary>
    public static int ParentOf(int pid) => Stat(pid)?.ParentPid ?? 0;

    /// <summary>
    /// The PostgreSQL server now: its postmaster and every process it started (backends, WAL writer,
    /// checkpointer). Backends that exited took their CPU time with them; the pools keep theirs open.
    /// </summary>
    public static IReadOnlyList<int> ServerProcesses(int postmaster)
    {
        if (postmaster == 0 || !Directory.Exists("/proc"))
        {
            return [];
        }

        var pids = new List<int> { postmaster };
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid)?.ParentPid == postmaster)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    private static (int ParentPid, long UserTicks, long SystemTicks)? Stat(int pid) => Stat($"/proc/{pid}/stat");

    private static (int ParentPid, long UserTicks, long SystemTicks)? Stat(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            // The command name is in parentheses and may contain spaces: fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
