//! The application of the Elixir "ChannelWatcher" post, as a supervision
//! tree: a one-for-one supervisor named `chat` starts, in order, the
//! ChannelWatcher (an [`ExitWatcher`] registered as `channel_watcher`), a
//! partitioned task supervisor (`tasks`, 2 partitions) and three chat rooms,
//! each a `#[gen_server]` registered under its name.
//!
//! It shows, step by step:
//!
//! 1. the tree starting its children in order (`which_children`), users'
//!    channels (plain `gen_server::spawn`ed processes) watched by the
//!    ChannelWatcher, whose callback takes a user out of their room when
//!    their channel ends, and a task run under the partitioned supervisor
//!    found by name;
//! 2. a room crashing and being restarted: the old handle gets
//!    `CallError::NoProc`, the name reaches the new instance, whose state
//!    starts afresh;
//! 3. one crash too many for the restart intensity (2 restarts in 5 s): the
//!    supervisor stops every child in reverse order and exits `shutdown`;
//! 4. a fresh tree run from `main` by `run_until_shutdown` until Ctrl-C,
//!    with a long task under the partitioned supervisor: by default the
//!    example sends itself SIGINT, as Ctrl-C would, so that it finishes by
//!    itself; with `--wait` it waits for you to press Ctrl-C (a second
//!    Ctrl-C while the tree stops forces it). The tree stops in reverse
//!    order.
//!
//! The supervisors' decisions (child started, exited and restarted, gave
//! up, stopped) are printed by a `tracing` subscriber as `DEBUG`/`WARN`/
//! `ERROR` lines. The rooms trap exits, so their `terminate` runs when
//! their supervisor stops them, and prints a line.
//!
//! Run with `cargo run --example supervision_tree`, or
//! `cargo run --example supervision_tree -- --wait` to press Ctrl-C
//! yourself (on other platforms than Unix it always waits). Rust's panic
//! hook also prints the crashes on stderr.
//!
//! The Elixir original, in outline:
//!
//! ```elixir
//! children = [
//!   {ChannelWatcher, name: :rooms},
//!   {PartitionSupervisor, child_spec: Task.Supervisor, name: Chat.TaskSupervisors},
//!   {Chat.Room, name: :lobby}, ...
//! ]
//! Supervisor.start_link(children, strategy: :one_for_one, name: Chat.Supervisor)
//!
//! # in the channel's join/3:
//! ChannelWatcher.monitor(:rooms, self(), {__MODULE__, :leave, [room_id, user_id]})
//! ```

use gen_server::exit_watcher::{ExitWatcher, ExitWatcherRef};
use gen_server::prelude::*;
use gen_server::supervisor::{
    ChildSpec, Strategy, SupervisorRef, SupervisorSpec, run_until_shutdown,
};
use gen_server::task::PartitionedTaskSupervisor;
use tokio::sync::{mpsc, oneshot};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// The rooms of the tree, in start order.
const ROOMS: [&str; 3] = ["lobby", "rust", "elixir"];

/// A chat room: who is in it and how many messages were posted.
struct Room {
    name: &'static str,
    members: Vec<&'static str>,
    posts: u64,
}

#[gen_server]
impl Room {
    /// Traps exits, so that a stop from the supervisor runs `terminate`.
    fn init(name: &'static str, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exit(true);
        println!("   start {name}");
        Room {
            name,
            members: Vec::new(),
            posts: 0,
        }
    }

    /// Adds a user; replies with the members.
    #[call]
    fn join(&mut self, user: &'static str) -> Vec<&'static str> {
        self.members.push(user);
        self.members.clone()
    }

    /// Removes a user (if present); replies with the members left.
    #[call]
    fn leave(&mut self, user: &'static str) -> Vec<&'static str> {
        self.members.retain(|m| *m != user);
        self.members.clone()
    }

    /// The members.
    #[call]
    fn members(&self) -> Vec<&'static str> {
        self.members.clone()
    }

    /// Posts a message; replies with the number of posts so far.
    #[call]
    fn post(&mut self, _text: &'static str) -> u64 {
        self.posts += 1;
        self.posts
    }

    /// The number of posts.
    #[call]
    fn posts(&self) -> u64 {
        self.posts
    }

    /// A frame the room cannot handle: the handler panics.
    #[cast]
    fn handle_garbage(&mut self) {
        panic!("{} got a malformed frame", self.name);
    }

    fn terminate(&mut self, reason: &ExitReason) {
        println!("   terminate {}: {reason}", self.name);
    }
}

/// The tree: the ChannelWatcher, the task partitions, then the rooms. At
/// most 2 restarts in 5 s.
fn chat_tree() -> SupervisorSpec {
    SupervisorSpec::new(Strategy::OneForOne)
        .name("chat")
        .max_restarts(2)
        .max_seconds(5)
        // Its id defaults to the type's name, `ExitWatcher`, as OTP's is the module.
        .child(ExitWatcher::child_spec(()).name("channel_watcher"))
        .child(ChildSpec::partitioned_task_supervisor("tasks", Some(2)))
        .children(ROOMS.map(|room| Room::child_spec(room).id(room).name(room)))
}

/// The room registered under `name` now.
fn room(name: &str) -> RoomRef {
    RoomRef::whereis(name).unwrap_or_else(|| panic!("no room `{name}` registered"))
}

/// How a user's channel ends.
enum Leave {
    HangUp,
    ConnectionLost,
}

/// Connects `user` to `room`: spawns their channel, a plain process that
/// serves them until they leave, has the ChannelWatcher take them out of the
/// room (found by name) when it ends, and joins. The callback reports on
/// `left`.
async fn connect(
    user: &'static str,
    room_name: &'static str,
    left: &mpsc::UnboundedSender<String>,
) -> Result<oneshot::Sender<Leave>, CallError> {
    let (leave, leaving) = oneshot::channel();
    let channel = gen_server::spawn(async move {
        if let Ok(Leave::ConnectionLost) = leaving.await {
            panic!("{user}'s connection was reset");
        }
    });
    let left = left.clone();
    let watcher = ExitWatcherRef::whereis("channel_watcher").ok_or(CallError::NoProc)?;
    watcher
        .on_exit(&channel, move |reason| async move {
            let now = match RoomRef::whereis(room_name) {
                Some(room) => match room.leave(user).await {
                    Ok(members) => format!("{members:?}"),
                    Err(error) => format!("not answered: {error}"),
                },
                None => "not running".to_string(),
            };
            let _ = left.send(format!(
                "{user} left {room_name} ({reason}); {room_name} now has {now}"
            ));
        })
        .await?;
    room(room_name).join(user).await?;
    Ok(leave)
}

/// Crashes `victim` and waits until `tree` has handled its exit: the
/// supervisor answers a call only after the `Exit` that arrived before it.
async fn crash_and_settle(victim: &RoomRef, tree: &SupervisorRef) {
    let down = gen_server::monitor(victim);
    victim
        .handle_garbage()
        .await
        .expect("the cast is delivered");
    down.await;
    let _ = tree.count_children().await;
}

/// Sends SIGINT to this process, as Ctrl-C in its terminal would.
#[cfg(unix)]
fn raise_sigint() {
    let status = std::process::Command::new("kill")
        .args(["-INT", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT failed");
}

/// Prints the supervisors' decisions (target `gen_server::supervisor`),
/// nothing else from the crate.
fn show_supervisor_decisions() {
    let decisions = Targets::new()
        .with_target("gen_server::supervisor", LevelFilter::DEBUG)
        .with_default(LevelFilter::OFF);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .without_time()
                .with_target(false)
                .with_filter(decisions),
        )
        .init();
}

/// Prints when the task holding it is dropped: a task's future is dropped
/// when its supervisor shuts it down.
struct SaysWhenShutDown(&'static str);

impl Drop for SaysWhenShutDown {
    fn drop(&mut self) {
        println!("   {} is shut down", self.0);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wait = std::env::args().any(|arg| arg == "--wait");
    show_supervisor_decisions();
    println!("1. the tree starts its children in order");
    let tree = chat_tree().start().await?;
    println!("   which_children:");
    for child in tree.which_children().await? {
        let running = child.pid.map(|p| p.id().to_string());
        println!(
            "     {:<12} {:<10} {:<9} running as {}",
            child.id,
            format!("{:?}", child.kind),
            format!("{:?}", child.restart),
            running.as_deref().unwrap_or("-")
        );
    }

    let (left, mut leaves) = mpsc::unbounded_channel();
    let alice = connect("alice", "lobby", &left).await?;
    let bob = connect("bob", "lobby", &left).await?;
    let carol = connect("carol", "rust", &left).await?;
    let watcher = ExitWatcherRef::whereis("channel_watcher").ok_or(CallError::NoProc)?;
    println!(
        "   alice and bob join lobby, carol joins rust: lobby has {:?}, the watcher watches {} channels",
        room("lobby").members().await?,
        watcher.watched().await?
    );
    println!("   bob hangs up; the watcher's callback takes him out of lobby:");
    let _ = bob.send(Leave::HangUp);
    println!("     {}", leaves.recv().await.unwrap());
    println!("   carol's connection drops (her channel crashes):");
    let _ = carol.send(Leave::ConnectionLost);
    println!("     {}", leaves.recv().await.unwrap());

    let tasks = PartitionedTaskSupervisor::whereis("tasks").ok_or(CallError::NoProc)?;
    let census = tasks.async_nolink(async {
        let mut members = 0;
        for name in ROOMS {
            members += room(name).members().await.map_or(0, |m| m.len());
        }
        members
    })?;
    println!(
        "   a task under PartitionedTaskSupervisor::whereis(\"tasks\") ({} partitions) counts the users online: {:?}",
        tasks.partitions().len(),
        census.join().await
    );

    println!("\n2. lobby crashes on a malformed frame (a cast that panics)");
    let old = room("lobby");
    for text in ["hi", "hello", "anyone?"] {
        old.post(text).await?;
    }
    println!(
        "   before: lobby {} has members {:?} and {} posts",
        old.id(),
        old.members().await?,
        old.posts().await?
    );
    crash_and_settle(&old, &tree).await;
    println!(
        "   the old handle: post() -> {:?}",
        old.post("still there?").await
    );
    let new = room("lobby");
    println!(
        "   RoomRef::whereis(\"lobby\") -> lobby {}, a new instance: {}",
        new.id(),
        new.id() != old.id()
    );
    println!(
        "   its state starts afresh: members {:?}, posts {}",
        new.members().await?,
        new.posts().await?
    );
    println!("   alice hangs up; the callback finds the new lobby by its name:");
    let _ = alice.send(Leave::HangUp);
    println!("     {}", leaves.recv().await.unwrap());

    println!(
        "\n3. too many restarts: the tree allows 2 in 5 s (.max_restarts(2).max_seconds(5)); step 2 used one"
    );
    let tree_down = gen_server::monitor(&tree);
    let watcher_down = gen_server::monitor(&watcher);
    let partitions_down: Vec<_> = tasks
        .partitions()
        .iter()
        .map(|p| gen_server::monitor(&p.pid()))
        .collect();
    println!("   lobby crashes again, restart 2 of 2:");
    crash_and_settle(&room("lobby"), &tree).await;
    println!(
        "   lobby crashes a third time, one too many: the supervisor stops the others in reverse order"
    );
    let last = room("lobby");
    let last_down = gen_server::monitor(&last);
    last.handle_garbage().await?;
    last_down.await;
    let reason = tree_down.await;
    let mut partitions = Vec::new();
    for down in partitions_down {
        partitions.push(down.await.to_string());
    }
    println!(
        "   then tasks and the ExitWatcher went down: partitions {partitions:?}, watcher {}",
        watcher_down.await
    );
    println!("   the supervisor exited: {reason}");
    println!(
        "   registered now: lobby {}, channel_watcher {}, tasks {}",
        RoomRef::whereis("lobby").is_some(),
        ExitWatcherRef::whereis("channel_watcher").is_some(),
        PartitionedTaskSupervisor::whereis("tasks").is_some()
    );

    println!("\n4. Ctrl-C: a fresh tree, run by run_until_shutdown(&tree)");
    let tree = chat_tree().start().await?;
    let tasks = PartitionedTaskSupervisor::whereis("tasks").ok_or(CallError::NoProc)?;
    let long_task = tasks.async_nolink(async {
        let _says = SaysWhenShutDown("a long task under the partitioned `tasks`");
        std::future::pending::<()>().await
    })?;
    println!(
        "   a long task runs under the partitioned supervisor: {}",
        if long_task.to_pid().is_alive() {
            "running"
        } else {
            "not running"
        }
    );
    // The handlers are installed by this call, before anything is sent.
    let running = tokio::spawn(run_until_shutdown(&tree));
    #[cfg(unix)]
    let send_ourselves = !wait;
    #[cfg(not(unix))]
    let send_ourselves = false;
    if send_ourselves {
        println!(
            "   the example sends itself SIGINT, as Ctrl-C would (run with `-- --wait` to press Ctrl-C yourself)"
        );
        #[cfg(unix)]
        raise_sigint();
    } else {
        println!("   press Ctrl-C to stop the tree (a second Ctrl-C while it stops forces it)");
    }
    let reason = running.await?;
    println!("   run_until_shutdown returned: {reason}");
    println!("   the supervisor is alive: {}", tree.is_alive());
    Ok(())
}
