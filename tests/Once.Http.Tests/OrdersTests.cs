using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>The orders state machine over HTTP: new -> placed -> paid -> shipped, cancel from placed or paid.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class OrdersTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Order_PlacePayShip_EachAppliedWithStatusResult()
    {
        var id = NewId("ord");
        var keys = new[] { NewId("place"), NewId("pay"), NewId("ship") };

        var placed = await _client.PostAsync(Orders, id, keys[0], Place(25.5m));
        var paid = await _client.PostAsync(Orders, id, keys[1], NoData("pay"));
        var shipped = await _client.PostAsync(Orders, id, keys[2], NoData("ship"));

        Assert.Equal("placed", Expect.Success(placed, "applied", 1, keys[0]).GetProperty("result").GetProperty("status").GetString());
        Assert.Equal("paid", Expect.Success(paid, "applied", 2, keys[1]).GetProperty("result").GetProperty("status").GetString());
        Assert.Equal("shipped", Expect.Success(shipped, "applied", 3, keys[2]).GetProperty("result").GetProperty("status").GetString());
        var state = Expect.Entity(await _client.GetEntityAsync(Orders, id), Orders, id, 3);
        Assert.Equal("shipped", state.GetProperty("status").GetString());
        Assert.Equal(25.5m, state.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task Order_ShipBeforePay_422InvalidTransitionAndStateUntouched()
    {
        var id = NewId("ord");
        await _client.PostAsync(Orders, id, NewId("place"), Place(10));
        var before = await _client.GetEntityAsync(Orders, id);
        var key = NewId("ship");

        var answer = await _client.PostAsync(Orders, id, key, NoData("ship"));

        var problem = Expect.Problem(answer, 422);
        Assert.Equal("invalid-transition", problem.GetProperty("reason").GetString());
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        var after = await _client.GetEntityAsync(Orders, id);
        Assert.Equal(before.Body, after.Body);
        Assert.Equal("placed", Expect.Entity(after, Orders, id, 1).GetProperty("status").GetString());
        Expect.Replay(answer, await _client.PostAsync(Orders, id, key, NoData("ship")));
    }

    [Fact]
    public async Task Order_PayOnNewOrder_422InvalidTransitionAndNothingApplied()
    {
        var id = NewId("ord");

        var answer = await _client.PostAsync(Orders, id, NewId("pay"), NoData("pay"));

        Assert.Equal("invalid-transition", Expect.Problem(answer, 422).GetProperty("reason").GetString());
        Assert.Equal("\"0\"", answer.ETag);
        Expect.Problem(await _client.GetEntityAsync(Orders, id), 404);
    }

    [Fact]
    public async Task Order_CancelAfterPayThenPayAgain_CancelledThenInvalidTransition()
    {
        var id = NewId("ord");
        await _client.PostAsync(Orders, id, NewId("place"), Place(10));
        await _client.PostAsync(Orders, id, NewId("pay"), NoData("pay"));
        var cancelKey = NewId("cancel");

        var cancelled = await _client.PostAsync(Orders, id, cancelKey, NoData("cancel"));
        var payAgain = await _client.PostAsync(Orders, id, NewId("pay"), NoData("pay"));
        var placeAgain = await _client.PostAsync(Orders, id, NewId("place"), Place(10));

        Assert.Equal("cancelled", Expect.Success(cancelled, "applied", 3, cancelKey).GetProperty("result").GetProperty("status").GetString());
        Assert.Equal("invalid-transition", Expect.Problem(payAgain, 422).GetProperty("reason").GetString());
        Assert.Equal("invalid-transition", Expect.Problem(placeAgain, 422).GetProperty("reason").GetString());
        Assert.Equal("cancelled", Expect.Entity(await _client.GetEntityAsync(Orders, id), Orders, id, 3).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Order_PayWithData_400AndStateUntouched()
    {
        var id = NewId("ord");
        await _client.PostAsync(Orders, id, NewId("place"), Place(10));
        var before = await _client.GetEntityAsync(Orders, id);

        var answer = await _client.PostAsync(Orders, id, NewId("pay"), """{"type":"pay","data":{"amount":10}}""");

        Expect.Problem(answer, 400);
        Assert.Equal(before.Body, (await _client.GetEntityAsync(Orders, id)).Body);
    }

    [Fact]
    public async Task Order_AccountMessageType_400UnknownMessageType()
    {
        var id = NewId("ord");

        var answer = await _client.PostAsync(Orders, id, NewId("key"), Deposit(10));

        Assert.Equal("unknown-message-type", Expect.Problem(answer, 400).GetProperty("reason").GetString());
    }
}
