//! Counts study time honestly: only while the page is visible and the learner
//! has touched, scrolled or typed in the last minute. Recorded as
//! `StudyTime` events a minute or so at a time, and when the page is hidden.

use crate::state::AppState;
use leptos::prelude::*;
use qinglian_core::events::EventKind;
use std::cell::Cell;
use std::rc::Rc;

/// How often activity is sampled.
const TICK_SECONDS: u32 = 15;
/// No input for this long: the learner has stepped away.
const IDLE_MS: f64 = 60_000.0;
/// Unrecorded seconds are written once they reach this.
const FLUSH_SECONDS: u32 = 60;

pub fn start(state: AppState) {
    let last_activity = Rc::new(Cell::new(js_sys::Date::now()));
    let pending = Rc::new(Cell::new(0u32));
    for event in ["pointerdown", "keydown", "scroll", "touchstart", "wheel"] {
        let last = last_activity.clone();
        let handler =
            wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || last.set(js_sys::Date::now()));
        let _ = window().add_event_listener_with_callback_and_bool(
            event,
            handler.as_ref().unchecked_ref(),
            true,
        );
        handler.forget();
    }
    let flush = {
        let pending = pending.clone();
        move || {
            let seconds = pending.get();
            if seconds >= TICK_SECONDS && state.record(EventKind::StudyTime { seconds }) {
                pending.set(0);
            }
        }
    };
    {
        let pending = pending.clone();
        let last = last_activity.clone();
        let flush = flush.clone();
        let interval = gloo_timers::callback::Interval::new(TICK_SECONDS * 1000, move || {
            let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
            if visible && js_sys::Date::now() - last.get() < IDLE_MS {
                pending.set(pending.get() + TICK_SECONDS);
            }
            if pending.get() >= FLUSH_SECONDS {
                flush();
            }
        });
        interval.forget();
    }
    let handler = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            flush();
        }
    });
    let _ = document()
        .add_event_listener_with_callback("visibilitychange", handler.as_ref().unchecked_ref());
    handler.forget();
}

use wasm_bindgen::JsCast;
