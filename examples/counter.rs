//! The counter from the README: calls, casts, info messages, deferred replies,
//! timeouts, a panic caught, and a clean stop.
//!
//! Run with `cargo run --example counter`.

use std::time::Duration;

use gen_server::prelude::*;

/// A number that only its server may change.
pub struct Counter {
    total: u64,
}

/// A tick delivered by a timer.
#[derive(Clone, Debug)]
pub struct Tick;

#[gen_server]
impl Counter {
    /// Runs inside the new actor before any message.
    async fn init(start: u64) -> Result<Self, String> {
        if start > 1_000 {
            return Err(format!("{start} is too large to start from"));
        }
        Ok(Counter { total: start })
    }

    /// Adds `n` and returns the new total.
    #[call]
    fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    /// The current total.
    #[call]
    async fn get(&self) -> u64 {
        self.total
    }

    /// Answers later, from a task: the server keeps serving meanwhile.
    #[call]
    fn doubled_later(&mut self, delay: Duration, reply: ReplyTo<u64>) {
        let doubled = self.total * 2;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            reply.send(doubled);
        });
    }

    /// Divides the total; dividing by zero panics and crashes the server.
    #[call]
    fn divide(&mut self, by: u64) -> u64 {
        self.total /= by;
        self.total
    }

    /// Sets the total back to zero.
    #[cast]
    fn reset(&mut self) {
        self.total = 0;
    }

    /// Counts timer ticks.
    #[info]
    fn on_tick(&mut self, _tick: Tick) {
        self.total += 1;
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        println!("  terminate: total = {}, reason = {reason}", self.total);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let counter = Counter::start(40).await?;
    println!("started counter {}", counter.id());
    println!("add(2)                -> {:?}", counter.add(2).await);
    counter.reset().await?;
    println!("after reset, get()    -> {:?}", counter.get().await);

    counter.send_info(Tick).await?;
    counter.send_info(Tick).await?;
    println!("after two ticks       -> {:?}", counter.get().await);

    let slow = counter
        .doubled_later(Duration::from_millis(200))
        .timeout(Duration::from_millis(50))
        .await;
    println!("doubled_later, 50 ms  -> {slow:?}");
    println!(
        "doubled_later, 5 s    -> {:?}",
        counter.doubled_later(Duration::from_millis(10)).await
    );

    println!(
        "init error            -> {:?}",
        Counter::start(5_000).await.err()
    );

    let crashing = Counter::start(1).await?;
    println!("divide(0)             -> {:?}", crashing.divide(0).await);
    println!("call after the crash  -> {:?}", crashing.get().await);
    println!(
        "the first counter     -> {:?} (unaffected)",
        counter.get().await
    );

    counter.stop(ExitReason::Normal).await?;
    println!(
        "stopped; alive = {}, get() -> {:?}",
        counter.is_alive(),
        counter.get().await
    );
    Ok(())
}
