use leptos::prelude::*;

use crate::model::Brand;

/// A provider's mark, drawn inline so the sign-in page makes no third-party request.
/// Decorative: the button's text already names the provider.
#[component]
pub fn BrandMark(brand: Option<Brand>) -> impl IntoView {
    let mark = match brand {
        Some(Brand::Google) => view! {
            <g fill="none" stroke-width="3.2">
                <path d="M17.36 7.5A7 7 0 0 0 5.42 9.61" stroke="#EA4335" />
                <path d="M5.42 9.61A7 7 0 0 0 6.27 16.02" stroke="#FBBC05" />
                <path d="M6.27 16.02A7 7 0 0 0 17.36 16.5" stroke="#34A853" />
                <path d="M17.36 16.5A7 7 0 0 0 19 12H12" stroke="#4285F4" />
            </g>
        }
        .into_any(),
        Some(Brand::X) => view! {
            <g stroke="currentColor" stroke-linecap="square">
                <path d="M5.5 4.5l13 15" stroke-width="3" />
                <path d="M18.5 4.5l-13 15" stroke-width="1.4" />
            </g>
        }
        .into_any(),
        Some(Brand::Facebook) => view! {
            <circle cx="12" cy="12" r="10.5" fill="#fff" />
            <path
                d="M13.4 22v-7.6h2.5l.4-2.9h-2.9V9.7c0-.8.3-1.4 1.5-1.4h1.5V5.7a19 19 0 0 0-2.2-.1c-2.2 0-3.7 1.3-3.7 3.8v2.1H8v2.9h2.5V22z"
                fill="#0866FF"
            />
        }
        .into_any(),
        Some(Brand::Instagram) => view! {
            <g fill="none" stroke="currentColor" stroke-width="2">
                <rect x="3" y="3" width="18" height="18" rx="5.5" />
                <circle cx="12" cy="12" r="4.2" />
            </g>
            <circle cx="17.3" cy="6.7" r="1.3" fill="currentColor" />
        }
        .into_any(),
        Some(Brand::GitHub) => view! {
            <circle cx="12" cy="12" r="11" fill="currentColor" />
            <path
                d="M7.6 8.6l.5-3 2.4 1.6a6.6 6.6 0 0 1 3 0l2.4-1.6.5 3c.9 1 1.3 2 1.3 3.2 0 3.3-2.2 4.4-5.7 4.4s-5.7-1.1-5.7-4.4c0-1.2.4-2.2 1.3-3.2z"
                fill="#24292f"
            />
            <path d="M10.2 16v4.6M13.8 16v4.6" stroke="#24292f" stroke-width="1.8" />
        }
        .into_any(),
        // Discord's face, in the button's white.
        Some(Brand::Discord) => view! {
            <path
                d="M5.3 6.6c1.8-1.3 3.6-1.8 4.9-2l.5 1a13 13 0 0 1 2.6 0l.5-1c1.3.2 3.1.7 4.9 2 1.6 2.5 2.4 5.6 2.2 9-1.6 1.3-3.4 2.1-5 2.6l-1-1.6c.6-.2 1.1-.5 1.6-.8-3 1.4-6.1 1.4-9 0 .5.3 1 .6 1.6.8l-1 1.6c-1.6-.5-3.4-1.3-5-2.6-.2-3.4.6-6.5 2.2-9z"
                fill="currentColor"
            />
            <ellipse cx="9.3" cy="12.4" rx="1.6" ry="1.8" fill="#5865F2" />
            <ellipse cx="14.7" cy="12.4" rx="1.6" ry="1.8" fill="#5865F2" />
        }
        .into_any(),
        // GitLab's tanuki: a fox's head in three oranges.
        Some(Brand::GitLab) => view! {
            <path d="M12 21.5 2.6 13.6 4.9 4l3 7.3h8.2l3-7.3 2.3 9.6z" fill="#E24329" />
            <path d="M12 21.5 7.9 11.3H3.3z M12 21.5l4.1-10.2h4.6z" fill="#FC6D26" />
            <path d="M2.6 13.6 3.3 11.3 12 21.5z M21.4 13.6l-.7-2.3L12 21.5z" fill="#FCA326" />
        }
        .into_any(),
        // LinkedIn's "in", white on its blue.
        Some(Brand::LinkedIn) => view! {
            <rect x="2" y="2" width="20" height="20" rx="3" fill="#ffffff" />
            <rect x="5.5" y="9.5" width="3" height="9" fill="#0A66C2" />
            <circle cx="7" cy="6.8" r="1.8" fill="#0A66C2" />
            <path d="M10.5 9.5h2.9v1.3c.5-.9 1.6-1.6 3-1.6 2.6 0 3.1 1.7 3.1 3.9v5.4h-3v-4.8c0-1.1-.2-2-1.3-2s-1.7.8-1.7 2v4.8h-3z" fill="#0A66C2" />
        }
        .into_any(),
        // Twitch's speech bubble with two strokes, white on its purple.
        Some(Brand::Twitch) => view! {
            <path d="M5 3 3 7v13h5v3h3l3-3h4l4-4V3zm15 11.5-3 3h-5l-3 3v-3H5V5h15z" fill="currentColor" />
            <path d="M11 8.5h2v5h-2zM16 8.5h2v5h-2z" fill="currentColor" />
        }
        .into_any(),
        // Slack's hash of four rounded bars and four dots, in its four colours.
        Some(Brand::Slack) => view! {
            <g stroke-linecap="round" stroke-width="3.4">
                <path d="M9.5 3.5v7" stroke="#36C5F0" />
                <path d="M20.5 9.5h-7" stroke="#2EB67D" />
                <path d="M14.5 20.5v-7" stroke="#ECB22E" />
                <path d="M3.5 14.5h7" stroke="#E01E5A" />
            </g>
            <circle cx="3.5" cy="9.5" r="1.7" fill="#36C5F0" />
            <circle cx="14.5" cy="3.5" r="1.7" fill="#2EB67D" />
            <circle cx="20.5" cy="14.5" r="1.7" fill="#ECB22E" />
            <circle cx="9.5" cy="20.5" r="1.7" fill="#E01E5A" />
        }
        .into_any(),
        // Microsoft's four squares.
        Some(Brand::Microsoft) => view! {
            <rect x="2" y="2" width="9.5" height="9.5" fill="#F25022" />
            <rect x="12.5" y="2" width="9.5" height="9.5" fill="#7FBA00" />
            <rect x="2" y="12.5" width="9.5" height="9.5" fill="#00A4EF" />
            <rect x="12.5" y="12.5" width="9.5" height="9.5" fill="#FFB900" />
        }
        .into_any(),
        // Apple's apple with its leaf and bite, in the button's text colour (white on black,
        // black on white in dark mode), as Apple's guidelines ask.
        Some(Brand::Apple) => view! {
            <path
                d="M16.4 12.7c0-2.2 1.8-3.2 1.9-3.3-1-1.5-2.6-1.7-3.2-1.7-1.4-.1-2.6.8-3.3.8s-1.7-.8-2.8-.8C7.5 7.7 5 9.1 5 12.6c0 1.2.2 2.4.7 3.6.6 1.6 2.2 5.2 3.9 5.1.9 0 1.5-.6 2.6-.6s1.6.6 2.7.6c1.7 0 3.1-3.2 3.6-4.7-2.5-1.2-2.1-3.6-2.1-3.9z"
                fill="currentColor"
            />
            <path d="M14.5 6.3c.9-1.1.8-2.1.8-2.5-.8 0-1.8.6-2.3 1.2-.6.7-.9 1.5-.8 2.4.9.1 1.7-.4 2.3-1.1z" fill="currentColor" />
        }
        .into_any(),
        // Anyone else: a neutral person, in the button's own colour.
        None => view! {
            <g fill="currentColor" opacity="0.7">
                <circle cx="12" cy="8" r="4" />
                <path d="M4 20.5c0-4.1 3.6-6.5 8-6.5s8 2.4 8 6.5z" />
            </g>
        }
        .into_any(),
    };
    view! {
        <svg class="mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            {mark}
        </svg>
    }
}
