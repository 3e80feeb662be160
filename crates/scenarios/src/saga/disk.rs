//! What survives a crash: the orchestrator's saga log, a service's ledger.

use super::orchestrator::SagaLog;
use super::service::Ledger;

/// The durable state of either node kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SagaDisk {
    #[default]
    Empty,
    Log(SagaLog),
    Ledger(Ledger),
}
