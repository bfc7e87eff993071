//! One module per command; each turns resolved arguments into one core call and prints the
//! result. Returns the exit code for outcomes that are not errors (e.g. `verify` finding a
//! failure reports every result, then exits with the failure's code).

mod audit;
mod bridge;
mod catalog;
mod catalog_show;
mod clients;
mod docs;
mod drift;
mod events;
mod exec;
mod files;
mod gc;
mod init;
mod keys;
mod lock;
mod migrate;
mod policy;
pub mod policy_render;
mod profiles;
mod remote;
pub mod serve;
mod sync;
mod tokens;

use crate::Context;
use crate::args::Command;

/// Runs the commands that need no home (`completions`, `man`); `None` for the others.
pub fn without_home(command: &Command) -> Option<anyhow::Result<u8>> {
    match command {
        Command::Completions(args) => Some(docs::completions(args)),
        Command::Man(args) => Some(docs::man(args)),
        _ => None,
    }
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Completions(args) => docs::completions(&args),
        Command::Man(args) => docs::man(&args),
        Command::InitConfigs(args) => init::run(ctx, &args),
        Command::Clients => clients::run(ctx),
        Command::Profiles(args) => profiles::list(ctx, &args),
        Command::Get(args) => profiles::get(ctx, &args),
        Command::Publish(args) => profiles::publish(ctx, &args),
        Command::Verify(args) => profiles::verify(ctx, &args),
        Command::History(args) => profiles::history(ctx, &args),
        Command::Events(cmd) => events::run(ctx, &cmd),
        Command::Keys(cmd) => keys::run(ctx, &cmd),
        Command::Migrate(args) => migrate::run(ctx, &args),
        Command::Exec(args) => exec::run(ctx, &args),
        Command::Bridge(args) => bridge::run(ctx, &args),
        Command::Import(args) => files::import(ctx, &args),
        Command::Diff(args) => drift::diff(ctx, &args),
        Command::Status(args) => drift::status(ctx, &args),
        Command::Doctor(args) => gc::doctor(ctx, &args),
        Command::Gc(args) => gc::run(ctx, &args),
        Command::Serve(args) => serve::run(ctx, &args),
        Command::Servers(cmd) => catalog::servers(ctx, &cmd),
        Command::Draft(cmd) => catalog::draft(ctx, &cmd),
        Command::Secrets(cmd) => catalog::secrets(ctx, &cmd),
        Command::Render(args) => files::render(ctx, &args),
        Command::Deploy(args) => files::deploy(ctx, &args),
        Command::Rollback(args) => files::rollback(ctx, &args),
        Command::Deployments(args) => files::deployments(ctx, &args),
        Command::Sync(args) => sync::sync(ctx, &args),
        Command::Add(args) => sync::add(ctx, &args),
        Command::Remove(args) => sync::remove(ctx, &args),
        Command::Remote(cmd) => remote::run(ctx, &cmd),
        Command::Push(args) => remote::push(ctx, &args),
        Command::Pull(args) => remote::pull(ctx, &args),
        Command::Lock(args) => lock::lock(ctx, &args),
        Command::Audit(args) => lock::audit(ctx, &args),
        Command::Tokens(cmd) => tokens::run(ctx, &cmd),
        Command::Policy(cmd) => policy::run(ctx, &cmd),
    }
}
