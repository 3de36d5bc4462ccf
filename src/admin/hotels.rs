//! `admin hotels …`: registered hotels and their staff, as tables or JSON.

use std::process::ExitCode;

use tigo_common::Hotel;
use tigo_server::admin::{Admin, MEMBER_CACHE_TTL};

use super::{Printer, time};
use crate::cli::{HotelsCommand, StaffCommand};
use crate::out::Out;
use crate::table;

pub async fn run(
    admin: &Admin,
    p: &mut Printer,
    command: HotelsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        HotelsCommand::Set { hotel, name, owner } => {
            let (hotel, created) = admin.put_hotel(hotel, &name, &owner).await?;
            p.show(&hotel, |out| {
                let what = if created { "registered" } else { "updated" };
                out.line(format!("{what} hotel {} {:?}", hotel.id, hotel.name));
            })?;
        }
        HotelsCommand::List => {
            let hotels = admin.hotels().await?;
            p.show(&hotels, |out| hotels_table(out, &hotels))?;
        }
        HotelsCommand::Show { hotel } => {
            let hotel = admin.hotel(hotel).await?;
            p.show(&hotel, |out| show(out, &hotel))?;
        }
        HotelsCommand::Staff(command) => return staff(admin, p, command).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn staff(admin: &Admin, p: &mut Printer, command: StaffCommand) -> anyhow::Result<ExitCode> {
    let (hotel, done) = match command {
        StaffCommand::Add {
            hotel,
            user,
            max_hotel_staff,
        } => {
            let hotel = admin.add_staff(hotel, &user, max_hotel_staff).await?;
            (hotel, format!("{user} is on the staff"))
        }
        StaffCommand::Remove { hotel, user } => {
            let hotel = admin.remove_staff(hotel, &user).await?;
            (hotel, format!("{user} is off the staff"))
        }
    };
    p.show(&hotel, |out| {
        out.line(done);
        show(out, &hotel);
    })?;
    if !admin.has_redis() {
        // On standard error: the JSON on standard output stays one value.
        eprintln!(
            "note: no REDIS_URL: running servers apply the change within {} s",
            MEMBER_CACHE_TTL.as_secs()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn hotels_table(out: &mut Out, hotels: &[Hotel]) {
    let rows: Vec<Vec<String>> = hotels
        .iter()
        .map(|h| {
            vec![
                h.id.to_string(),
                h.name.clone(),
                h.owner_id.to_string(),
                h.staff.len().to_string(),
            ]
        })
        .collect();
    out.text(table::render(&["ID", "NAME", "OWNER", "STAFF"], &rows));
}

/// The hotel, then its staff, oldest first.
fn show(out: &mut Out, hotel: &Hotel) {
    out.line(format!("hotel {} {:?}", hotel.id, hotel.name));
    out.line(format!("owner {}", hotel.owner_id));
    let rows: Vec<Vec<String>> = hotel
        .staff
        .iter()
        .map(|s| {
            vec![
                s.user_id.to_string(),
                s.email.clone(),
                format!("{} {}", s.first_name, s.last_name),
                time(&s.added_at),
            ]
        })
        .collect();
    out.text(table::render(&["STAFF", "EMAIL", "NAME", "ADDED"], &rows));
}
