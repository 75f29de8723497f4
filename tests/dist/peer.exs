# The Elixir node of the distribution tests (tests/dist). Started as
#   elixir --name NAME --cookie COOKIE tests/dist/peer.exs
# with ERL_EPMD_PORT pointing at the test's epmd. Prints `ready` once its
# servers run, evaluates the `eval ID CODE` lines of its stdin (`Stdin`), and
# halts when its stdin closes (the test binary ended).

defmodule ExCounter do
  @moduledoc "A counter for Rust to call: `:get`, `{:add, n}`, `{:sleep, ms}`; cast `{:bump, n}`."
  use GenServer

  def init(total), do: {:ok, total}

  def handle_call(:get, _from, total), do: {:reply, total, total}
  def handle_call({:add, n}, _from, total), do: {:reply, total + n, total + n}
  def handle_call({:sleep, ms}, _from, total) do
    Process.sleep(ms)
    {:reply, :slept, total}
  end
  def handle_call({:echo, term}, _from, total), do: {:reply, term, total}
  def handle_call({:sleep_notify, ms}, _from, total) do
    IO.puts("sleeping")
    Process.sleep(ms)
    {:reply, :slept, total}
  end

  def handle_cast({:bump, n}, total), do: {:noreply, total + n}
end

defmodule Control do
  @moduledoc """
  What the Rust tests ask this node to do, each as a call that replies with
  what happened: call or cast a Rust server, spawn processes to monitor or
  link, watch a Rust process.
  """
  use GenServer

  def init(_), do: {:ok, %{}}

  # `GenServer.call({name, node}, request)`, with the outcome as a term.
  def handle_call({:call, name, node, request}, from, state) do
    spawn(fn ->
      result =
        try do
          {:ok, GenServer.call({name, node}, request, 10_000)}
        catch
          :exit, {reason, {GenServer, :call, _}} -> {:exit, reason}
        end

      GenServer.reply(from, result)
    end)

    {:noreply, state}
  end

  # A call in the pre-OTP-24 form, `{pid, ref}` as the tag, by hand; the
  # reply must come back to the pid as `{ref, reply}`.
  def handle_call({:old_call, name, node, request}, from, state) do
    spawn(fn ->
      ref = make_ref()
      send({name, node}, {:"$gen_call", {self(), ref}, request})

      result =
        receive do
          {^ref, reply} -> {:ok, reply}
        after
          10_000 -> :no_reply
        end

      GenServer.reply(from, result)
    end)

    {:noreply, state}
  end

  def handle_call({:cast, name, node, request}, _from, state) do
    {:reply, GenServer.cast({name, node}, request), state}
  end

  # A fresh counter registered as `name`, so that tests running at the same
  # time do not share one.
  def handle_call({:start_counter, name, total}, _from, state) do
    {:ok, pid} = GenServer.start(ExCounter, total, name: name)
    {:reply, pid, state}
  end

  # A process that exits with the reason it is sent as `{:exit_with, reason}`.
  def handle_call(:spawn_worker, _from, state) do
    pid =
      spawn(fn ->
        receive do
          {:exit_with, reason} -> exit(reason)
        end
      end)

    {:reply, pid, state}
  end

  def handle_call({:stop_worker, pid, reason}, _from, state) do
    send(pid, {:exit_with, reason})
    {:reply, :ok, state}
  end

  # Monitors `target` (a pid or `{name, node}`); replies `{:down, reason}`
  # when it goes down.
  def handle_call({:monitor, target}, from, state) do
    monitor_for(target, from)
    {:noreply, state}
  end

  # Monitors the caller itself, as a server tracking its subscribers does.
  def handle_call(:monitor_caller, {caller, _tag} = from, state) do
    monitor_for(caller, from)
    {:noreply, state}
  end

  # Waits for the `DOWN` of a monitor set by `{:monitor, target}`.
  def handle_call({:await_down, ref}, from, state) do
    case Map.pop(state, {:down, ref}) do
      {nil, state} -> {:noreply, Map.put(state, {:waiting, ref}, from)}
      {reason, state} -> {:reply, {:down, reason}, state}
    end
  end

  # Links a trapping process to `pid`; replies `{:exit, reason}` to a later
  # `{:await_exit, pid}` when the link breaks.
  def handle_call({:link, pid}, from, state) do
    spawn(fn ->
      Process.flag(:trap_exit, true)
      Process.link(pid)
      GenServer.reply(from, :linked)

      receive do
        {:EXIT, ^pid, reason} -> send(Control, {:exit_seen, pid, reason})
      end
    end)

    {:noreply, state}
  end

  def handle_call({:await_exit, pid}, from, state) do
    case Map.pop(state, {:exit, pid}) do
      {nil, state} -> {:noreply, Map.put(state, {:waiting_exit, pid}, from)}
      {reason, state} -> {:reply, {:exit, reason}, state}
    end
  end

  # `Process.exit(pid, reason)` on a Rust process.
  def handle_call({:exit, pid, reason}, _from, state) do
    {:reply, Process.exit(pid, reason), state}
  end

  # Times `n` calls of `request` to `{name, node}` (microseconds in all).
  def handle_call({:time_calls, name, node, request, n}, from, state) do
    spawn(fn ->
      GenServer.call({name, node}, request)
      {micros, :ok} = :timer.tc(fn -> call_n({name, node}, request, n) end)
      GenServer.reply(from, micros)
    end)

    {:noreply, state}
  end

  def handle_info({:down_seen, ref, reason}, state) do
    case Map.pop(state, {:waiting, ref}) do
      {nil, state} -> {:noreply, Map.put(state, {:down, ref}, reason)}
      {from, state} -> GenServer.reply(from, {:down, reason}) && {:noreply, state}
    end
  end

  def handle_info({:exit_seen, pid, reason}, state) do
    case Map.pop(state, {:waiting_exit, pid}) do
      {nil, state} -> {:noreply, Map.put(state, {:exit, pid}, reason)}
      {from, state} -> GenServer.reply(from, {:exit, reason}) && {:noreply, state}
    end
  end

  defp monitor_for(target, from) do
    spawn(fn ->
      ref = Process.monitor(target)
      GenServer.reply(from, {:monitoring, ref})

      receive do
        {:DOWN, ^ref, :process, _, reason} -> send(Control, {:down_seen, ref, reason})
      end
    end)
  end

  defp call_n(_dest, _request, 0), do: :ok

  defp call_n(dest, request, n) do
    GenServer.call(dest, request)
    call_n(dest, request, n - 1)
  end
end

defmodule Stdin do
  @moduledoc """
  What the test binary writes to this node's stdin, outside distribution:
  `eval ID CODE` evaluates CODE in a process of its own and prints
  `ID => inspect(value)` (`{:raised, message}` if it raises). The end of
  stdin halts the node.
  """

  def loop do
    case IO.gets("") do
      line when is_binary(line) ->
        handle(String.trim_trailing(line, "\n"))
        loop()

      _eof_or_error ->
        System.halt(0)
    end
  end

  defp handle(line) do
    case String.split(line, " ", parts: 3) do
      ["eval", id, code] -> spawn(fn -> IO.puts("#{id} => #{inspect(eval(code), limit: :infinity)}") end)
      _ -> IO.puts(:stderr, "unknown stdin command: #{line}")
    end
  end

  defp eval(code) do
    try do
      {value, _binding} = Code.eval_string(code)
      value
    rescue
      e -> {:raised, Exception.message(e)}
    catch
      kind, reason -> {kind, reason}
    end
  end
end

{:ok, _} = GenServer.start(ExCounter, 0, name: :ex_counter)
{:ok, _} = GenServer.start(Control, nil, name: Control)
IO.puts("ready")
Stdin.loop()
