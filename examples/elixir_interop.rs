//! A Rust node in an Elixir cluster: it exposes a counter that Elixir calls
//! with `GenServer.call({:counter, :"rust@127.0.0.1"}, {:add, 3})`, and calls
//! an Elixir `GenServer` back.
//!
//! Start the Elixir half first (it also starts epmd), then this:
//!
//! ```sh
//! elixir --name elixir@127.0.0.1 --cookie gen_server_demo examples/elixir_interop.exs
//! cargo run --example elixir_interop
//! ```

use std::time::Duration;

use gen_server::dist::term::Atom;
use gen_server::dist::{Node, RemoteCallError};
use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

/// `%{x: 1, y: 2}` on the Elixir side.
#[derive(Debug, Serialize, Deserialize)]
struct Point {
    x: i64,
    y: i64,
}

struct Counter {
    total: i64,
}

#[gen_server(remote)]
impl Counter {
    fn init(total: i64) -> Self {
        Counter { total }
    }

    /// `{:add, n}` from Elixir: adds `n`, replies with the new total.
    #[call]
    fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        println!("rust:   add({n}) -> {}", self.total);
        self.total
    }

    /// `:get`
    #[call]
    fn get(&self) -> i64 {
        println!("rust:   get() -> {}", self.total);
        self.total
    }

    /// `{:add_point, %{x: x, y: y}}`: adds `x + y`, replies with a map.
    #[call]
    fn add_point(&mut self, point: Point) -> Point {
        self.total += point.x + point.y;
        println!("rust:   add_point({point:?}) -> total {}", self.total);
        Point {
            x: point.x * 10,
            y: point.y * 10,
        }
    }

    /// `GenServer.cast(counter, {:add_quietly, n})`: one way.
    #[cast]
    fn add_quietly(&mut self, n: i64) {
        self.total += n;
        println!("rust:   add_quietly({n}) (a cast) -> {}", self.total);
    }
}

const ELIXIR: &str = "elixir@127.0.0.1";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let node = match Node::builder("rust@127.0.0.1", "gen_server_demo")
        .start()
        .await
    {
        Ok(node) => node,
        Err(e) => {
            eprintln!("rust:   {e}");
            eprintln!("rust:   start the Elixir half first (see the top of this file)");
            return Err(e.into());
        }
    };
    let counter = Counter::builder().name("counter").start(0).await?;
    node.expose::<Counter>("counter");
    println!(
        "rust:   up as {}; the counter is {{:counter, :\"{}\"}}",
        node.name(),
        node.name()
    );

    // GenServer.call({:greeter, :"elixir@127.0.0.1"}, {:greet, "Rust"})
    let greeter = node.remote("greeter", ELIXIR);
    let request = (Atom::from("greet"), "Rust");
    let mut attempts = 0;
    let greeting: String = loop {
        match greeter.call(&request).await {
            Ok(greeting) => break greeting,
            Err(RemoteCallError::Unreachable(e)) if attempts < 30 => {
                attempts += 1;
                println!("rust:   {e}; is the Elixir half running? retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    println!("rust:   the Elixir greeter replied {greeting:?}");

    // The Elixir half calls the counter, then stops.
    node.monitor_node(ELIXIR).await;
    println!(
        "rust:   {ELIXIR} went down; the counter ends at {}",
        counter.get().await?
    );
    Ok(())
}
