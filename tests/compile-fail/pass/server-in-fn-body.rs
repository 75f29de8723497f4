//! A server defined inside a function body compiles without warnings.
#![deny(warnings, unreachable_pub, missing_debug_implementations)]

#[tokio::main(flavor = "current_thread")]
async fn main() {
    use gen_server::prelude::*;

    struct Counter {
        total: u64,
    }

    struct Tick;

    #[gen_server]
    impl Counter {
        fn init(total: u64) -> Self {
            Counter { total }
        }

        #[call]
        fn add(&mut self, n: u64) -> u64 {
            self.total += n;
            self.total
        }

        #[cast]
        fn reset(&mut self) {
            self.total = 0;
        }

        #[info]
        fn on_tick(&mut self, _tick: Tick) {
            self.total += 1;
        }
    }

    let counter = Counter::start(1).await.unwrap();
    assert_eq!(counter.add(1).await.unwrap(), 2);
    counter.reset().await.unwrap();
    counter.send_info(Tick).await.unwrap();
    assert_eq!(counter.add(0).await.unwrap(), 1);
}
