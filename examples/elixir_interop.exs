# The Elixir half of `cargo run --example elixir_interop` (see the README):
#
#   elixir --name elixir@127.0.0.1 --cookie gen_server_demo examples/elixir_interop.exs
#
# Start it first: it starts epmd if none runs. It serves a `Greeter` for the
# Rust node to call, waits for that call, then calls the Rust counter.

defmodule Greeter do
  use GenServer

  def init(script), do: {:ok, script}

  def handle_call({:greet, name}, {from, _tag}, script) do
    IO.puts("elixir: #{inspect(from)} on #{node(from)} asked for a greeting for #{inspect(name)}")
    send(script, :greeted)
    {:reply, "Hello, #{name}, from Elixir!", script}
  end
end

{:ok, _} = GenServer.start(Greeter, self(), name: :greeter)
rust = :"rust@127.0.0.1"
IO.puts("elixir: up as #{node()}; waiting for #{rust} (run `cargo run --example elixir_interop`)")

receive do
  :greeted -> :ok
end

counter = {:counter, rust}
IO.puts("elixir: GenServer.call(#{inspect(counter)}, {:add, 3}) -> #{inspect(GenServer.call(counter, {:add, 3}))}")
:ok = GenServer.cast(counter, {:add_quietly, 4})
IO.puts("elixir: GenServer.cast(#{inspect(counter)}, {:add_quietly, 4}) -> :ok")
IO.puts("elixir: GenServer.call(#{inspect(counter)}, :get) -> #{inspect(GenServer.call(counter, :get))}")

point = %{x: 1, y: 2}
IO.puts("elixir: GenServer.call(#{inspect(counter)}, {:add_point, #{inspect(point)}}) -> #{inspect(GenServer.call(counter, {:add_point, point}))}")

bad = GenServer.call(counter, {:add, "three"})
IO.puts("elixir: GenServer.call(#{inspect(counter)}, {:add, \"three\"}) -> #{inspect(bad)}")

unknown =
  try do
    GenServer.call({:nobody, rust}, :get)
  catch
    :exit, {reason, _call} -> reason
  end

IO.puts("elixir: GenServer.call({:nobody, #{inspect(rust)}}, :get) exits with #{inspect(unknown)}")

IO.puts("elixir: done; stopping (the Rust node sees this node go down)")
