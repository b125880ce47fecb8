/* native_doorbell.pml — native's idle protocol, DoorbellIdle in include/wq/detail/idle_workers.hpp,
 * with engine/native.cpp's inbox and ready list, as spin_then_park (idle_workers.hpp) drives them:
 *   - push (NativeCore::enqueue): one CAS on the inbox word — refused if closed, else the items in
 *     and the doorbell bit out (P1); if the old word rang: bump epoch_ (E1), futex_wake_one
 *                                                         (DoorbellIdle::after_push, wake_one)
 *   - take (NativeCore::take): the ready list first (take_ready: a share; if some is left,
 *     wake_one_if_sleeping), else the whole inbox by one CAS keeping the flag bits; with W > 1 a
 *     fair share is kept and the rest goes to the ready list (give_ready: R1, then
 *     wake_one_if_sleeping: (F1) fence, load sleepers, wake one)
 *   - park (DoorbellIdle::park): read epoch_ (E2); sleepers++ (seq_cst), spinners-- if it spun;
 *     (F2); re-check the ready list (has_other_work); arm: the doorbell goes into the word only
 *     while it holds no items and is open (else do not sleep); futex_wait on epoch_; leave as a
 *     spinner
 *   - stop_spinning: the last spinner, with sleepers, wakes one for items already in the word or
 *     rings the doorbell so the next push does
 *   - stop (NativeCore::stop): set the closed bit (seq_cst RMW), bump epoch_, futex_wake_all
 * Items are counts: the stack's order is not the protocol.
 *
 * Checked: when nothing can move (timeout), no accepted item is left, and once stop was called
 * every worker has returned.
 * Variants that must fail: -DNO_ARM_CHECK (arm rings the doorbell without looking for items in
 * the word — the re-check of the very word the push wrote), -DNO_WAKE_ON_DOORBELL (a push that
 * clears a rung doorbell does not wake). */
#define W 2          /* workers */
#define N 2          /* pushes (each of one item) */
#define MAX_SPIN 1   /* Options::max_spinning_workers */

byte inbox = 0;         /* items in the inbox word */
bool doorbell = false;  /* the word's doorbell bit */
bool closed = false;    /* the word's closed bit */
byte ready = 0;         /* the ready list (ready_size_, ready_ under ready_lock_) */
byte spinners = 0;      /* counts_.spinners */
byte sleepers = 0;      /* counts_.sleepers */
byte epoch = 0;         /* epoch_ */
bool stop_called = false;
byte accepted = 0;
byte dispatched = 0;
byte exited = 0;

#include "futex.pml"

inline wake_one() { epoch++; futex_wake_one() }

inline wake_one_if_sleeping() {
    /* (F1): the publication before it is visible to a sleeper's re-check after its F2 */
    if :: sleepers != 0 -> wake_one() :: else -> skip fi
}

/* take(): `got` items for this worker */
inline take(got) {
    got = 0;
    if
    :: ready != 0 ->   /* take_ready: a share (ceil(ready / W)) */
        atomic { got = (ready + W - 1) / W; ready = ready - got };
        if :: ready != 0 -> wake_one_if_sleeping() :: else -> skip fi
    :: else -> skip
    fi;
    if
    :: got == 0 ->
        atomic { got = inbox; inbox = 0 };   /* the CAS that takes the stack, flags kept */
        if
        :: got > 1 ->   /* keep a fair share, give the rest to the ready list */
            atomic { ready = ready + got - (got + W - 1) / W; got = (got + W - 1) / W };
            wake_one_if_sleeping()
        :: else -> skip
        fi
    :: else -> skip
    fi
}

inline park(was_spinning, me, e, armed) {
    e = epoch;   /* (E2) */
    atomic { sleepers++; if :: was_spinning -> spinners-- :: else -> skip fi };
    /* (F2) */
    armed = false;
    if
    :: ready == 0 ->   /* has_other_work() */
        atomic {   /* arm(): one CAS loop on the word, so one step */
            if
#ifndef NO_ARM_CHECK
            :: inbox != 0 || closed -> armed = false
#else
            :: closed -> armed = false
#endif
            :: else -> doorbell = true; armed = true
            fi
        }
    :: else -> skip
    fi;
    if
    :: armed ->
        do
        :: epoch == e -> futex_wait(epoch, e, me)
        :: else -> break
        od
    :: else -> skip
    fi;
    atomic { sleepers--; spinners++ }
}

inline stop_spinning(s, l, wake) {
    atomic { s = spinners; spinners-- };
    l = sleepers;
    if
    :: s == 1 && l != 0 ->   /* one CAS loop on the word, so one step */
        atomic {
            if
            :: inbox != 0 -> wake = true                   /* items already wait: wake one */
            :: inbox == 0 && (doorbell || closed) -> wake = false
            :: inbox == 0 && !doorbell && !closed -> doorbell = true; wake = false   /* ring */
            fi
        };
        if :: wake -> wake_one() :: else -> skip fi
    :: else -> skip
    fi
}

proctype worker(byte me) {
    bool spinning = false;
    bool draining = false;
    bool armed, wake;
    byte e, got, s, l;
    do
    :: take(got);
        if
        :: got != 0 ->
            if :: spinning -> spinning = false; stop_spinning(s, l, wake) :: else -> skip fi;
            dispatched = dispatched + got
        :: got == 0 && draining -> break
        :: got == 0 && !draining && closed -> draining = true   /* stopping(): loop once more */
        :: got == 0 && !draining && !closed && !spinning ->
            if
            :: atomic { spinners < MAX_SPIN -> spinners++ }; spinning = true
            :: park(false, me, e, armed); spinning = true
            fi
        :: got == 0 && !draining && !closed && spinning ->
            if
            :: skip
            :: park(true, me, e, armed)
            fi
        fi
    od;
    exited++
}

active proctype producer() {
    byte i;
    bool rang;
    for (i : 1 .. N) {
        atomic {   /* the push's CAS (P1) */
            if
            :: closed -> rang = false   /* refused */
            :: else -> inbox++; accepted++; rang = doorbell; doorbell = false
            fi
        };
#ifndef NO_WAKE_ON_DOORBELL
        if :: rang -> wake_one() :: else -> skip fi
#endif
    }
    if
    :: atomic { stop_called = true; closed = true }; epoch++; futex_wake_all()   /* stop() */
    :: skip
    fi
}

init {
    atomic { run worker(0); run worker(1) }
}

active proctype monitor() {
    timeout ->
        assert(inbox == 0 && ready == 0 && dispatched == accepted);   /* no item left behind */
        assert(!stop_called || exited == W)                            /* shutdown terminates */
}
