namespace Once.Benchmarks;

/// <summary>One round of the stream benchmark, the runs in the order they ran: B A B A B.</summary>
/// <param name="StreamPaced">B, one producer, one message in flight: latency without queueing.</param>
/// <param name="DirectSequential">A, one producer (a call is always one message in flight).</param>
/// <param name="StreamSequential">B, one producer publishing flat out.</param>
/// <param name="DirectConcurrent">A, several producers.</param>
/// <param name="StreamConcurrent">B, several producers publishing flat out.</param>
internal sealed record StreamRound(
    Measurement StreamPaced,
    Measurement DirectSequential,
    Measurement StreamSequential,
    Measurement DirectConcurrent,
    Measurement StreamConcurrent);
