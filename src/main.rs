//! `tigo-chat`: parses arguments and calls the server and client libraries.

mod admin;
mod bench;
mod cli;
mod commands;
mod duration;
mod out;
mod table;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", out::describe(&err));
            ExitCode::FAILURE
        }
    }
}
