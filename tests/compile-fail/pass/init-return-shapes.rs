//! Every shape `init` may return, including an alias the macro cannot see
//! into, compiles without warnings.
#![deny(warnings)]

use gen_server::prelude::*;

mod plain {
    use super::*;

    pub(crate) struct Plain;

    #[gen_server]
    impl Plain {
        fn init() -> crate::plain::Plain {
            Plain
        }
    }
}

mod fallible {
    use super::*;

    pub(crate) struct Fallible;

    #[gen_server]
    impl Fallible {
        async fn init(ok: bool) -> Result<Self, String> {
            if ok { Ok(Fallible) } else { Err("no".into()) }
        }
    }
}

mod ignorable {
    use super::*;

    pub(crate) struct Ignorable;

    #[gen_server]
    impl Ignorable {
        fn init(run: bool) -> Init<Self> {
            if run { Init::Ready(Ignorable) } else { Init::Ignore }
        }
    }
}

mod both {
    use super::*;

    pub(crate) struct Both;

    #[gen_server]
    impl Both {
        fn init(run: bool) -> Result<Init<Self>, std::fmt::Error> {
            Ok(if run { Init::Ready(Both) } else { Init::Ignore })
        }
    }
}

mod aliased {
    use super::*;

    pub(crate) struct Aliased;

    #[gen_server]
    impl Aliased {
        fn init(ok: bool) -> std::io::Result<Self> {
            if ok {
                Ok(Aliased)
            } else {
                Err(std::io::Error::other("no"))
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert!(plain::Plain::start().await.is_ok());
    assert!(fallible::Fallible::start(true).await.is_ok());
    assert!(matches!(
        fallible::Fallible::start(false).await,
        Err(StartError::Init(e)) if e == "no"
    ));
    assert!(matches!(
        ignorable::Ignorable::start(false).await,
        Err(StartError::Ignored)
    ));
    assert!(both::Both::start(true).await.is_ok());
    assert!(aliased::Aliased::start(true).await.is_ok());
    assert!(aliased::Aliased::start(false).await.is_err());
}
