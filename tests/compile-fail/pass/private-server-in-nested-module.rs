//! A server whose struct is private in a nested module compiles without warnings.
#![deny(warnings, unreachable_pub, missing_debug_implementations)]

mod outer {
    pub(crate) mod inner {
        use gen_server::prelude::*;

        struct Secret {
            value: String,
        }

        #[gen_server]
        impl Secret {
            async fn init(value: String) -> Result<Self, String> {
                Ok(Secret { value })
            }

            #[call]
            fn get(&self) -> String {
                self.value.clone()
            }

            #[call]
            fn later(&self, reply: ReplyTo<usize>) {
                reply.send(self.value.len());
            }

            fn terminate(&mut self, _reason: &ExitReason) {}
        }

        pub(crate) async fn run() -> String {
            let secret = Secret::start("s".to_owned()).await.unwrap();
            assert_eq!(secret.later().await.unwrap(), 1);
            secret.get().await.unwrap()
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(outer::inner::run().await, "s");
}
