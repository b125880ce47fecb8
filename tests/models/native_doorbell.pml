/* native_doorbell.pml — native's idle protocol, DoorbellIdle in include/wq/detail/idle_workers.hpp,
 * with engine/native.cpp's lanes and ready list, as spin_then_park (idle_workers.hpp) drives them:
 *   - push (NativeCore::enqueue): one CAS on the producer's own lane word — refused if closed,
 *     else the items in and the lane's doorbell bit out (P1); if the old word rang: bump epoch_
 *     (E1), futex_wake_one (DoorbellIdle::after_push, wake_one)
 *   - take (NativeCore::take): the ready list first (take_ready: a share; if some is left,
 *     wake_one_if_sleeping), else the lanes round from the worker's cursor, each looked at in a
 *     step of its own, the first holding items taken whole by one CAS keeping the flag bits; with
 *     W > 1 a fair share is kept and the rest goes to the ready list (give_ready: R1, then
 *     wake_one_if_sleeping: (F1) fence, load sleepers, wake one)
 *   - park (DoorbellIdle::park): read epoch_ (E2); sleepers++ (seq_cst), spinners-- if it spun;
 *     (F2); re-check the ready list (has_other_work); arm: lane by lane, each a step of its own,
 *     the doorbell goes into a lane word only while it holds no items (a lane with items: do not
 *     sleep; a closed or rung one: skip it), then do not sleep if stopping(); futex_wait on
 *     epoch_; leave as a spinner
 *   - stop_spinning: the last spinner, with sleepers, rings the lanes one by one until one holds
 *     items, and then wakes one
 *   - stop (NativeCore::stop): set the closed bit of each lane in turn (seq_cst RMWs), bump
 *     epoch_, futex_wake_all; stopping() reads the last lane's closed bit
 * Two producers, one per lane (as two threads whose put slots map to different lanes), one item
 * each; the first may also call stop, racing the second's push. Items are counts: a stack's
 * order is not the protocol.
 *
 * Checked: when nothing can move (timeout), no accepted item is left, and once stop was called
 * every worker has returned.
 * Variants that must fail: -DNO_ARM_CHECK (arm rings a lane without looking for items in the word
 * — the re-check of the very word the push wrote), -DNO_WAKE_ON_DOORBELL (a push that clears a
 * rung doorbell does not wake), -DARM_ONE_LANE (park arms only the first lane: a push onto the
 * other finds no doorbell), -DSTOPPING_FIRST_LANE (stopping() reads the first lane closed, not the
 * last: a worker may drain and leave while a later lane still accepts). */
#define W 2          /* workers */
#define L 2          /* lanes */
#define MAX_SPIN 1   /* Options::max_spinning_workers */

byte inbox[L];          /* items in each lane word */
bool doorbell[L];       /* each lane word's doorbell bit */
bool closed[L];         /* each lane word's closed bit */
byte ready = 0;         /* the ready list (ready_size_, ready_ under ready_lock_) */
byte spinners = 0;      /* counts_.spinners */
byte sleepers = 0;      /* counts_.sleepers */
byte epoch = 0;         /* epoch_ */
bool stop_called = false;
byte accepted = 0;
byte dispatched = 0;
byte exited = 0;
byte producers_done = 0;

#include "futex.pml"

#ifdef STOPPING_FIRST_LANE
#define stopping() (closed[0])
#else
#define stopping() (closed[L - 1])
#endif

inline wake_one() { epoch++; futex_wake_one() }

inline wake_one_if_sleeping() {
    /* (F1): the publication before it is visible to a sleeper's re-check after its F2 */
    if :: sleepers != 0 -> wake_one() :: else -> skip fi
}

/* take(): `got` items for this worker; the lanes looked at from `start` round */
inline take(got, start, k) {
    got = 0;
    if
    :: ready != 0 ->   /* take_ready: a share (ceil(ready / W)) */
        atomic { got = (ready + W - 1) / W; ready = ready - got };
        if :: ready != 0 -> wake_one_if_sleeping() :: else -> skip fi
    :: else -> skip
    fi;
    if
    :: got == 0 ->
        if :: start = 0 :: start = 1 fi;   /* the worker's cursor: any lane first */
        k = 0;
        do
        :: k < L && got == 0 ->
            /* the look and the CAS that takes the stack, flags kept */
            atomic { got = inbox[(start + k) % L]; inbox[(start + k) % L] = 0 };
            k++
        :: else -> break
        od;
        start = 0; k = 0;   /* dead from here: reset, so equal states compare equal */
        if
        :: got > 1 ->   /* keep a fair share, give the rest to the ready list */
            atomic { ready = ready + got - (got + W - 1) / W; got = (got + W - 1) / W };
            wake_one_if_sleeping()
        :: else -> skip
        fi
    :: else -> skip
    fi
}

inline park(was_spinning, me, e, armed, k) {
    e = epoch;   /* (E2) */
    atomic { sleepers++; if :: was_spinning -> spinners-- :: else -> skip fi };
    /* (F2) */
    armed = false;
    if
    :: ready == 0 ->   /* has_other_work() */
        armed = true;
        k = 0;
        do
#ifdef ARM_ONE_LANE
        :: k < 1 && armed ->
#else
        :: k < L && armed ->
#endif
            atomic {   /* ring(): one CAS loop on the lane word, so one step */
                if
#ifndef NO_ARM_CHECK
                :: inbox[k] != 0 -> armed = false        /* holds items: do not sleep */
#endif
                :: else ->
                    if :: !closed[k] -> doorbell[k] = true :: else -> skip fi
                fi
            };
            k++
        :: else -> break
        od;
        k = 0;
        if :: armed && stopping() -> armed = false :: else -> skip fi
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
    atomic { sleepers--; spinners++; armed = false; e = 0 }
}

inline stop_spinning(s, l, wake, k) {
    atomic { s = spinners; spinners-- };
    l = sleepers;
    if
    :: s == 1 && l != 0 ->
        wake = false;
        k = 0;
        do
        :: k < L && !wake ->
            atomic {   /* ring(): one CAS loop on the lane word, so one step */
                if
                :: inbox[k] != 0 -> wake = true                    /* items already wait */
                :: else -> if :: !closed[k] -> doorbell[k] = true :: else -> skip fi
                fi
            };
            k++
        :: else -> break
        od;
        k = 0;
        if :: wake -> wake_one() :: else -> skip fi;
        wake = false
    :: else -> skip
    fi;
    s = 0; l = 0
}

proctype worker(byte me) {
    bool spinning = false;
    bool draining = false;
    bool armed, wake;
    byte e, got, s, l, start, k;
    do
    :: take(got, start, k);
        if
        :: got != 0 ->
            if :: spinning -> spinning = false; stop_spinning(s, l, wake, k) :: else -> skip fi;
            dispatched = dispatched + got
        :: got == 0 && draining -> break
        :: got == 0 && !draining && stopping() -> draining = true   /* loop once more */
        :: got == 0 && !draining && !stopping() && !spinning ->
            if
            :: atomic { spinners < MAX_SPIN -> spinners++ }; spinning = true
            :: park(false, me, e, armed, k); spinning = true
            fi
        :: got == 0 && !draining && !stopping() && spinning ->
            if
            :: skip
            :: park(true, me, e, armed, k)
            fi
        fi
    od;
    exited++
}

/* One push onto `lane`, then producer 0 may call stop. */
proctype producer(byte lane) {
    bool rang;
    atomic {   /* the push's CAS (P1) */
        if
        :: closed[lane] -> rang = false   /* refused */
        :: else -> inbox[lane]++; accepted++; rang = doorbell[lane]; doorbell[lane] = false
        fi
    };
#ifndef NO_WAKE_ON_DOORBELL
    if :: rang -> wake_one() :: else -> skip fi;
#endif
    if
    :: lane == 0 ->
        if
        :: stop_called = true; closed[0] = true; closed[1] = true;   /* each its own RMW */
            epoch++; futex_wake_all()   /* stop() */
        :: skip
        fi
    :: else -> skip
    fi;
    producers_done++
}

init {
    atomic { run worker(0); run worker(1); run producer(0); run producer(1) }
}

active proctype monitor() {
    timeout ->
        assert(inbox[0] == 0 && inbox[1] == 0 && ready == 0 && dispatched == accepted);
        assert(!stop_called || exited == W)                            /* shutdown terminates */
}
