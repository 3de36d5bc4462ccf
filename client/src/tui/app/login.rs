//! The login screen's state: the form's two fields, which one has the cursor, and whether a
//! login is under way or just failed.

use crossterm::event::{KeyCode, KeyEvent};

use super::Cmd;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    Email,
    Password,
}

/// No `Debug`: it holds a password, which must never reach a log.
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub field: LoginField,
    pub error: Option<String>,
    /// A login is under way: keys are ignored until it succeeds or fails.
    pub logging_in: bool,
}

impl LoginForm {
    /// With a known email (given or saved) the cursor starts on the password.
    pub fn new(email: Option<String>) -> LoginForm {
        LoginForm {
            field: if email.is_some() {
                LoginField::Password
            } else {
                LoginField::Email
            },
            email: email.unwrap_or_default(),
            password: String::new(),
            error: None,
            logging_in: false,
        }
    }

    /// The password is not kept once it has served.
    pub(super) fn signed_in(&mut self) {
        self.logging_in = false;
        self.error = None;
        self.password.clear();
    }

    /// A refused password is cleared and the cursor put back on it, for another try.
    pub(super) fn failed(&mut self, why: String) {
        self.logging_in = false;
        self.error = Some(why);
        self.password.clear();
        self.field = LoginField::Password;
    }

    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if self.logging_in {
            return Vec::new();
        }
        let field = match self.field {
            LoginField::Email => &mut self.email,
            LoginField::Password => &mut self.password,
        };
        match key.code {
            KeyCode::Char(c) => field.push(c),
            KeyCode::Backspace => {
                field.pop();
            }
            KeyCode::Tab | KeyCode::Down | KeyCode::Up | KeyCode::BackTab => {
                self.field = match self.field {
                    LoginField::Email => LoginField::Password,
                    LoginField::Password => LoginField::Email,
                };
            }
            KeyCode::Enter => {
                if self.field == LoginField::Email {
                    self.field = LoginField::Password;
                } else if !self.email.is_empty() && !self.password.is_empty() {
                    self.logging_in = true;
                    self.error = None;
                    return vec![Cmd::Login {
                        email: self.email.clone(),
                        password: self.password.clone(),
                    }];
                }
            }
            KeyCode::Esc => return vec![Cmd::Quit],
            _ => {}
        }
        Vec::new()
    }
}
