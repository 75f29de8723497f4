//! The counter server, five ways, behind one trait: `add(n) -> total` (a
//! call), `bump(n)` (one-way), `get() -> total` (a call), each library's own
//! way to start a server and wait until it is ready, and to stop it.
//!
//! * gen_server and the hand-written tokio actor are the ones of
//!   `benches/common/mod.rs`, included unchanged.
//! * ractor: an `Actor` whose state is the total, `RpcReplyPort` replies
//!   (`call(.., None)`: no timeout), `cast`; `Actor::spawn` resolves after
//!   `pre_start`.
//! * kameo: an `Actor` with one `Message` impl per request, an unbounded
//!   mailbox (`spawn_with_mailbox(.., mailbox::unbounded())`, like the
//!   others: its default is bounded to 64), `ask` / `tell`;
//!   `wait_for_startup` after spawning.
//! * actix: an `Actor` with one `Handler` per request, `send` / `do_send`; it
//!   runs on actix's own runtime (`actix_rt::System`, or an `Arbiter` for the
//!   two-thread rows). Actix has no "started" future, so `started` sends on a
//!   oneshot, as the hand-written actor's task does.

use std::future::Future;

use crate::common::{gs, hand};

/// One counter implementation.
pub trait Counter: Clone + Send + Sync + Sized + 'static {
    /// What stopping the server needs besides the handle.
    type Stopper: Send + Sync + 'static;

    /// Starts a server holding `start` and waits until it can take messages
    /// (its init ran inside it).
    fn start(start: u64) -> impl Future<Output = (Self, Self::Stopper)> + Send;

    /// Adds `n`, returns the new total (request / reply).
    fn add(&self, n: u64) -> impl Future<Output = u64> + Send;

    /// Adds `n` (one-way).
    fn bump(&self, n: u64) -> impl Future<Output = ()> + Send;

    /// The total (request / reply).
    fn get(&self) -> impl Future<Output = u64> + Send;

    /// Stops the server and waits until it is gone.
    fn stop(self, stopper: Self::Stopper) -> impl Future<Output = ()> + Send;
}

impl Counter for gs::CounterRef {
    type Stopper = ();

    async fn start(start: u64) -> (Self, ()) {
        (gs::Counter::start(start).await.expect("start"), ())
    }

    async fn add(&self, n: u64) -> u64 {
        gs::CounterRef::add(self, n).await.expect("add")
    }

    async fn bump(&self, n: u64) {
        gs::CounterRef::bump(self, n).await.expect("bump")
    }

    async fn get(&self) -> u64 {
        gs::CounterRef::get(self).await.expect("get")
    }

    async fn stop(self, (): ()) {
        gs::CounterRef::stop(&self, gen_server::ExitReason::Normal)
            .await
            .expect("stop");
    }
}

impl Counter for hand::Counter {
    type Stopper = tokio::task::JoinHandle<u64>;

    async fn start(start: u64) -> (Self, Self::Stopper) {
        hand::Counter::start(start).await
    }

    async fn add(&self, n: u64) -> u64 {
        hand::Counter::add(self, n).await.expect("add")
    }

    fn bump(&self, n: u64) -> impl Future<Output = ()> + Send {
        hand::Counter::bump(self, n).expect("bump");
        std::future::ready(())
    }

    async fn get(&self) -> u64 {
        hand::Counter::get(self).await.expect("get")
    }

    async fn stop(self, task: Self::Stopper) {
        drop(self);
        task.await.expect("the actor ends");
    }
}

/// The counter on ractor.
pub mod rac {
    use std::future::Future;

    use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, rpc::CallResult};

    pub struct CounterActor;

    pub enum Msg {
        Add(u64, RpcReplyPort<u64>),
        Bump(u64),
        Get(RpcReplyPort<u64>),
    }

    impl Actor for CounterActor {
        type Msg = Msg;
        type State = u64;
        type Arguments = u64;

        async fn pre_start(
            &self,
            _myself: ActorRef<Msg>,
            start: u64,
        ) -> Result<u64, ActorProcessingErr> {
            Ok(start)
        }

        async fn handle(
            &self,
            _myself: ActorRef<Msg>,
            msg: Msg,
            total: &mut u64,
        ) -> Result<(), ActorProcessingErr> {
            match msg {
                Msg::Add(n, reply) => {
                    *total += n;
                    let _ = reply.send(*total);
                }
                Msg::Bump(n) => *total += n,
                Msg::Get(reply) => {
                    let _ = reply.send(*total);
                }
            }
            Ok(())
        }
    }

    #[derive(Clone)]
    pub struct Counter(ActorRef<Msg>);

    fn success(result: CallResult<u64>) -> u64 {
        match result {
            CallResult::Success(v) => v,
            _ => panic!("the ractor call failed"),
        }
    }

    impl super::Counter for Counter {
        type Stopper = tokio::task::JoinHandle<()>;

        async fn start(start: u64) -> (Self, Self::Stopper) {
            let (actor, task) = Actor::spawn(None, CounterActor, start)
                .await
                .expect("spawn");
            (Counter(actor), task)
        }

        async fn add(&self, n: u64) -> u64 {
            success(
                self.0
                    .call(|reply| Msg::Add(n, reply), None)
                    .await
                    .expect("add"),
            )
        }

        fn bump(&self, n: u64) -> impl Future<Output = ()> + Send {
            if self.0.cast(Msg::Bump(n)).is_err() {
                panic!("bump");
            }
            std::future::ready(())
        }

        async fn get(&self) -> u64 {
            success(self.0.call(Msg::Get, None).await.expect("get"))
        }

        async fn stop(self, task: Self::Stopper) {
            self.0.stop(None);
            task.await.expect("the actor ends");
        }
    }
}

/// The counter on kameo.
pub mod kam {
    use std::convert::Infallible;

    use kameo::Actor;
    use kameo::actor::{ActorRef, Spawn};
    use kameo::mailbox;
    use kameo::message::{Context, Message};

    pub struct CounterActor {
        total: u64,
    }

    impl Actor for CounterActor {
        type Args = u64;
        type Error = Infallible;

        async fn on_start(start: u64, _me: ActorRef<Self>) -> Result<Self, Infallible> {
            Ok(CounterActor { total: start })
        }
    }

    pub struct Add(pub u64);
    pub struct Bump(pub u64);
    pub struct Get;

    impl Message<Add> for CounterActor {
        type Reply = u64;

        async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self, u64>) -> u64 {
            self.total += n;
            self.total
        }
    }

    impl Message<Bump> for CounterActor {
        type Reply = ();

        async fn handle(&mut self, Bump(n): Bump, _ctx: &mut Context<Self, ()>) {
            self.total += n;
        }
    }

    impl Message<Get> for CounterActor {
        type Reply = u64;

        async fn handle(&mut self, _: Get, _ctx: &mut Context<Self, u64>) -> u64 {
            self.total
        }
    }

    #[derive(Clone)]
    pub struct Counter(ActorRef<CounterActor>);

    impl super::Counter for Counter {
        type Stopper = ();

        async fn start(start: u64) -> (Self, ()) {
            let actor = CounterActor::spawn_with_mailbox(start, mailbox::unbounded());
            actor.wait_for_startup().await;
            (Counter(actor), ())
        }

        async fn add(&self, n: u64) -> u64 {
            self.0.ask(Add(n)).await.expect("add")
        }

        async fn bump(&self, n: u64) {
            if self.0.tell(Bump(n)).await.is_err() {
                panic!("bump");
            }
        }

        async fn get(&self) -> u64 {
            self.0.ask(Get).await.expect("get")
        }

        async fn stop(self, (): ()) {
            self.0.stop_gracefully().await.expect("stop");
            self.0.wait_for_shutdown().await;
        }
    }
}

/// The counter on actix.
pub mod act {
    use std::cell::RefCell;
    use std::future::Future;

    use actix::{Actor, ActorContext as _, Addr, Context, Handler, Message};
    use actix_rt::ArbiterHandle;
    use tokio::sync::oneshot;

    thread_local! {
        /// Where new actors go: this thread's arbiter when `None`, else the
        /// given one (the two-thread rows).
        static TARGET: RefCell<Option<ArbiterHandle>> = const { RefCell::new(None) };
    }

    /// Makes the actors started from this thread live on `arbiter`.
    pub fn set_target(arbiter: Option<ArbiterHandle>) {
        TARGET.with(|t| *t.borrow_mut() = arbiter);
    }

    pub struct CounterActor {
        total: u64,
        ready: Option<oneshot::Sender<()>>,
    }

    impl Actor for CounterActor {
        type Context = Context<Self>;

        fn started(&mut self, _ctx: &mut Context<Self>) {
            if let Some(ready) = self.ready.take() {
                let _ = ready.send(());
            }
        }
    }

    pub struct Add(pub u64);
    pub struct Bump(pub u64);
    pub struct Get;
    pub struct Stop;

    impl Message for Add {
        type Result = u64;
    }
    impl Message for Bump {
        type Result = ();
    }
    impl Message for Get {
        type Result = u64;
    }
    impl Message for Stop {
        type Result = ();
    }

    impl Handler<Add> for CounterActor {
        type Result = u64;

        fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self>) -> u64 {
            self.total += n;
            self.total
        }
    }

    impl Handler<Bump> for CounterActor {
        type Result = ();

        fn handle(&mut self, Bump(n): Bump, _ctx: &mut Context<Self>) {
            self.total += n;
        }
    }

    impl Handler<Get> for CounterActor {
        type Result = u64;

        fn handle(&mut self, _: Get, _ctx: &mut Context<Self>) -> u64 {
            self.total
        }
    }

    impl Handler<Stop> for CounterActor {
        type Result = ();

        fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }

    #[derive(Clone)]
    pub struct Counter(Addr<CounterActor>);

    impl super::Counter for Counter {
        type Stopper = ();

        async fn start(start: u64) -> (Self, ()) {
            let (ready, ready_rx) = oneshot::channel();
            let actor = CounterActor {
                total: start,
                ready: Some(ready),
            };
            let addr = match TARGET.with(|t| t.borrow().clone()) {
                None => actor.start(),
                Some(arbiter) => CounterActor::start_in_arbiter(&arbiter, move |_| actor),
            };
            ready_rx.await.expect("the actor started");
            (Counter(addr), ())
        }

        async fn add(&self, n: u64) -> u64 {
            self.0.send(Add(n)).await.expect("add")
        }

        fn bump(&self, n: u64) -> impl Future<Output = ()> + Send {
            self.0.do_send(Bump(n));
            std::future::ready(())
        }

        async fn get(&self) -> u64 {
            self.0.send(Get).await.expect("get")
        }

        /// Actix has no future for an actor's end: the handle reports it
        /// once the actor's mailbox is gone.
        async fn stop(self, (): ()) {
            self.0.do_send(Stop);
            while self.0.connected() {
                tokio::task::yield_now().await;
            }
        }
    }
}
