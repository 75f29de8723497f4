//! The ChannelWatcher pattern from Elixir, ported: a watcher registered under a
//! name runs a callback, with the room and user it was given, whenever a user's
//! channel ends: crash, kill, normal exit, or dropped connection. A channel
//! can unregister first, and a panicking callback never harms the watcher.
//!
//! Run with `cargo run --example channel_watcher`.

use gen_server::exit_watcher::{ExitWatcher, ExitWatcherRef};
use gen_server::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// One user's connection to one chat room.
struct Channel {
    user: &'static str,
}

#[gen_server]
impl Channel {
    /// Joins: links to the user's socket process (if the connection drops, the
    /// channel goes down with it) and asks the watcher to announce the leave.
    async fn init(
        room: u32,
        user: &'static str,
        socket: Pid,
        announce: mpsc::UnboundedSender<String>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, CallError> {
        ctx.link(&socket);
        let watcher = ExitWatcherRef::whereis("rooms").ok_or(CallError::NoProc)?;
        watcher
            .on_exit(&ctx.pid(), move |reason| async move {
                let _ = announce.send(format!("{user} left room {room} ({reason})"));
            })
            .await?;
        Ok(Channel { user })
    }

    /// A message the channel cannot handle.
    #[call]
    fn handle_garbage(&mut self) {
        panic!("{} sent a malformed frame", self.user);
    }

    /// Leaves the room cleanly.
    #[call]
    fn leave(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    /// Leaves without being announced: unregisters from the watcher first.
    #[call]
    async fn leave_silently(&mut self, ctx: &mut Context<Self>) -> Result<bool, CallError> {
        let watcher = ExitWatcherRef::whereis("rooms").ok_or(CallError::NoProc)?;
        let was_watched = watcher.unwatch(ctx.id()).await?;
        ctx.stop(ExitReason::Normal);
        Ok(was_watched)
    }
}

/// A user's socket: a plain process that lives until the connection drops.
fn socket() -> (Pid, oneshot::Sender<()>) {
    let (drop_connection, dropped) = oneshot::channel();
    let pid = gen_server::spawn(async move {
        if dropped.await.is_ok() {
            panic!("connection reset by peer");
        }
    });
    (pid, drop_connection)
}

async fn join(
    room: u32,
    user: &'static str,
    announce: &mpsc::UnboundedSender<String>,
) -> (ChannelRef, oneshot::Sender<()>) {
    let (socket, drop_connection) = socket();
    let channel = Channel::start(room, user, socket, announce.clone())
        .await
        .expect("joins");
    (channel, drop_connection)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let watcher = ExitWatcher::builder().name("rooms").start(()).await?;
    let (announce, mut announced) = mpsc::unbounded_channel();

    let (alice, _a) = join(1, "alice", &announce).await;
    let (bob, _b) = join(1, "bob", &announce).await;
    let (carol, _c) = join(2, "carol", &announce).await;
    let (_dave, dave_socket) = join(2, "dave", &announce).await;
    let (erin, _e) = join(3, "erin", &announce).await;
    let (frank, _f) = join(3, "frank", &announce).await;
    println!("watching {} channels", watcher.watched().await?);

    println!("\n1. alice's channel crashes on a bad frame:");
    let _ = alice.handle_garbage().await;
    println!("   {}", announced.recv().await.unwrap());

    println!("2. bob's channel is killed:");
    bob.kill();
    println!("   {}", announced.recv().await.unwrap());

    println!("3. carol leaves normally:");
    carol.leave().await?;
    println!("   {}", announced.recv().await.unwrap());

    println!("4. dave's connection drops (his channel is linked to the socket):");
    dave_socket.send(()).unwrap();
    println!("   {}", announced.recv().await.unwrap());

    println!("5. erin unregisters, then leaves: no announcement");
    println!("   unwatched: {:?}", erin.leave_silently().await?);
    frank.leave().await?;
    println!("   next announcement: {}", announced.recv().await.unwrap());

    println!("6. a callback that panics does not harm the watcher:");
    let doomed = gen_server::spawn(async {});
    watcher
        .on_exit(&doomed, |_| async { panic!("callback bug") })
        .await?;
    let (tx, rx) = oneshot::channel();
    let probe = gen_server::spawn(async {});
    watcher
        .on_exit(&probe, move |reason| async move {
            let _ = tx.send(reason);
        })
        .await?;
    println!(
        "   a later callback still runs (its process had already ended): {}",
        rx.await?
    );
    println!(
        "   watcher alive: {}, still watching: {}",
        watcher.is_alive(),
        watcher.watched().await?
    );
    Ok(())
}
