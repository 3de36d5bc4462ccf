//! `tigo-chat admin hotels …`: registered hotels and their staff, as PUT
//! /chat/admin/hotels/:id and the staff routes manage them.

use clap::Subcommand;

use super::uuid_of;

#[derive(Debug, Subcommand)]
pub enum HotelsCommand {
    /// Register a hotel, or change its name and owner (an active HotelOwner, not on its staff).
    #[command(
        after_help = "Example:\n  tigo-chat admin hotels set 0190… --name 'Hotel Sol' --owner owner@example.com"
    )]
    Set {
        #[arg(value_parser = uuid_of("a hotel id"))]
        hotel: uuid::Uuid,
        /// Up to 200 characters.
        #[arg(long)]
        name: String,
        /// The owner's email or id.
        #[arg(long)]
        owner: String,
    },
    /// Every registered hotel, by name.
    List,
    /// A hotel with its staff.
    Show {
        #[arg(value_parser = uuid_of("a hotel id"))]
        hotel: uuid::Uuid,
    },
    /// Add or remove a member of a hotel's staff.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Put a user (email or id; not a Customer-only account, not the owner) on the staff:
    /// they become a member of every room of the hotel.
    #[command(
        after_help = "With REDIS_URL, running servers apply the change at once; without it, within 60 s.\n\nExample:\n  tigo-chat admin hotels staff add 0190… desk@example.com"
    )]
    Add {
        #[arg(value_parser = uuid_of("a hotel id"))]
        hotel: uuid::Uuid,
        /// Email or id.
        user: String,
        /// Staff of one hotel at most (the servers' MAX_HOTEL_STAFF).
        #[arg(long, env = "MAX_HOTEL_STAFF", default_value_t = 50)]
        max_hotel_staff: usize,
    },
    /// Take a user (email or id) off the staff and out of the hotel's rooms.
    #[command(
        after_help = "With REDIS_URL, running servers apply the change at once; without it, within 60 s.\n\nExample:\n  tigo-chat admin hotels staff remove 0190… desk@example.com"
    )]
    Remove {
        #[arg(value_parser = uuid_of("a hotel id"))]
        hotel: uuid::Uuid,
        /// Email or id.
        user: String,
    },
}
