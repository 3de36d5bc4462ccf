//! Reading the command line, with what clap shows adjusted in one place: `--help` gives an
//! environment variable's value only when it is set (`[env: HOST]` otherwise; secrets never),
//! a usage error's usage line lists what was typed (a variable that is set does not read as a
//! required flag), and an error echoing typed text shows its control characters escaped.

use std::borrow::Cow;
use std::ffi::OsString;

use clap::error::{ContextKind, ErrorKind};
use clap::{Command, CommandFactory, FromArgMatches};

use super::Cli;

/// The command line, or the process ends with clap's answer (help, version, usage error).
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut cmd = env_values_when_set(Cli::command());
    let result = cmd
        .clone()
        .try_get_matches_from(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    match result {
        Ok(cli) => cli,
        Err(err) => exit(typed_usage(err.format(&mut cmd), &cmd, &args)),
    }
}

/// Every command whose arguments' help shows `[env: NAME=]` for an unset variable shows
/// `[env: NAME]` instead (the ones hiding their values, the secrets, stay hidden).
fn env_values_when_set(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        let unset = arg
            .get_env()
            .is_some_and(|name| std::env::var_os(name).is_none_or(|v| v.is_empty()));
        if unset {
            arg.hide_env_values(true)
        } else {
            arg
        }
    })
    .mut_subcommands(env_values_when_set)
}

fn without_env(cmd: Command) -> Command {
    cmd.mut_args(|arg| arg.env(None))
        .mut_subcommands(without_env)
}

/// clap lists every argument it was given in an error's usage line, from the environment
/// too (`--jwt-secret <JWT_SECRET>` whenever JWT_SECRET is set); the same command line read
/// without the environment makes the same error with the usage line of what was typed.
fn typed_usage(mut err: clap::Error, cmd: &Command, args: &[OsString]) -> clap::Error {
    if err.get(ContextKind::Usage).is_none() {
        return err;
    }
    let mut bare = without_env(cmd.clone());
    if let Err(again) = bare.clone().try_get_matches_from(args) {
        let again = again.format(&mut bare);
        if again.kind() == err.kind()
            && let Some(usage) = again.get(ContextKind::Usage)
        {
            err.insert(ContextKind::Usage, usage.clone());
        }
    }
    err
}

/// Prints the error as clap would, unless it echoes control characters: then as plain text
/// with them escaped.
fn exit(err: clap::Error) -> ! {
    if !matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let plain = err.render().to_string();
        if let Cow::Owned(shown) = crate::out::visible_lines(&plain) {
            eprint!("{shown}");
            std::process::exit(err.exit_code());
        }
    }
    err.exit()
}

#[cfg(test)]
mod tests {
    use clap::ArgAction;

    use super::*;

    /// Every yes/no flag read from the environment takes the usual spellings both ways (a
    /// new one without the boolish parser fails here). Each is tried with its own value
    /// parser, given the text as a value.
    #[test]
    fn every_boolean_variable_reads_the_usual_spellings() {
        fn check(cmd: &Command, found: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let (Some(env), ArgAction::SetTrue) = (arg.get_env(), arg.get_action()) else {
                    continue;
                };
                found.push(env.to_string_lossy().into_owned());
                let probe = arg.clone().env(None).action(ArgAction::Set);
                let long = arg.get_long().unwrap_or_default();
                for (spelling, want) in [
                    ("1", true),
                    ("0", false),
                    ("yes", true),
                    ("No", false),
                    ("ON", true),
                    ("off", false),
                    ("true", true),
                    ("FALSE", false),
                ] {
                    let read = Command::new("probe")
                        .arg(probe.clone())
                        .try_get_matches_from(["probe".to_string(), format!("--{long}={spelling}")])
                        .ok()
                        .and_then(|m| m.get_one::<bool>(arg.get_id().as_str()).copied());
                    assert_eq!(read, Some(want), "{env:?}={spelling}");
                }
            }
            for sub in cmd.get_subcommands() {
                check(sub, found);
            }
        }
        let mut found = Vec::new();
        check(&Cli::command(), &mut found);
        assert!(
            found.contains(&"DISABLE_REGISTRATION".to_string()),
            "{found:?}"
        );
        assert!(found.contains(&"NO_MIGRATE".to_string()), "{found:?}");
    }
}
