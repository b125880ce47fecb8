/* mpmc_eventcount.pml — mpmc's idle protocol, the eventcount IdleWorkers in
 * include/wq/detail/idle_workers.hpp, as spin_then_park (same file) drives it and engine/mpmc.cpp
 * uses it:
 *   - put: queue_.enqueue (the publication), then idle_.wake_one_if_needed()   (mpmc.cpp put)
 *   - wake_one_if_needed: (F1) fence; load idle_; while no spinner, a sleeper and no pending
 *     wake-up: CAS the pending bit in, bump epoch_ (E1), futex_wake_one            (IdleWorkers)
 *   - try_start_spinning / stop_spinning (the last spinner hands the role on)     (IdleWorkers)
 *   - park: read epoch_ (E2); register as a sleeper (seq_cst RMW); (F2) fence; re-check
 *     has_work (queue_.size_approx() != 0) and the stop; futex_wait once on that epoch_; leave
 *     as a spinner, clearing the pending bit                                        (IdleWorkers::park)
 *   - stop: gate_.close(); stopping_ = true (S1); bump epoch_; futex_wake_all      (mpmc.cpp stop)
 *   - the worker loop: take, else drain once more after the stop, else spin or park (spin_then_park)
 * The queue is a count (moodycamel's internals are not the protocol). Spin explores every
 * interleaving of sequentially consistent steps; the fences matter where the C++ model would let a
 * store pass a later load (the store-buffering litmus): -DNO_F1 models the enqueue's store sitting
 * in the producer's store buffer past its load of idle_, which F1 forbids.
 *
 * Checked: when nothing can move (timeout), no accepted item is left (so no worker sleeps forever
 * beside one), and once stop was called every worker has returned (shutdown terminates).
 * Variants that must fail: -DNO_F1 (the F1 fence removed), -DNO_RECHECK (park's re-check removed),
 * -DWAIT_LOOP (park going back to sleep while epoch_ is unchanged, as it did until this model
 * found the flaw: futex_wake_one need not wake the oldest sleeper; when it wakes one that parked
 * after the bump, that one sleeps again, the sleeper the wake-up was for sleeps on, and the
 * pending bit, still set, stops every later put from waking anyone). */
#define W 2          /* workers */
#define N 2          /* items put */
#define MAX_SPIN 1   /* Options::max_spinning_workers */

byte q = 0;             /* items in the queue, as every thread sees them */
byte buffered = 0;      /* NO_F1: items enqueued but still in the producer's store buffer */
byte sp = 0;            /* idle_: spinners */
byte sl = 0;            /* idle_: sleepers */
bool pend = false;      /* idle_: wake_pending */
byte epoch = 0;         /* epoch_ */
bool stopping = false;  /* stopping_ */
bool stop_called = false;
byte dispatched = 0;
byte exited = 0;

#include "futex.pml"

inline wake_one_if(s, l, p, won) {
    do
    :: s == 0 && l != 0 && !p ->
        atomic {   /* compare_exchange_weak(idle, idle | wake_pending) */
            if
            :: sp == s && sl == l && pend == p -> pend = true; won = true
            :: else -> s = sp; l = sl; p = pend; won = false
            fi
        }
        if
        :: won -> epoch++; futex_wake_one(); break   /* (E1), then the wake */
        :: else -> skip
        fi
    :: else -> break
    od
}

inline wake_one_if_needed(s, l, p, won) {
    atomic { s = sp; l = sl; p = pend };   /* load idle_ (ordered by F1) */
    wake_one_if(s, l, p, won)
}

inline park(was_spinning, me, e) {
    e = epoch;                                                     /* (E2) */
    atomic { sl++; if :: was_spinning -> sp-- :: else -> skip fi }  /* register */
    /* (F2): sequentially consistent here */
    if
#ifdef NO_RECHECK
    :: !stopping ->
#else
    :: q == 0 && !stopping ->   /* has_work() and stopping() */
#endif
#ifdef WAIT_LOOP
        do   /* the wait as it was: back to sleep while epoch_ is unchanged */
        :: epoch == e && !stopping -> futex_wait(epoch, e, me)
        :: else -> break
        od
#else
        futex_wait(epoch, e, me)   /* one wait: any return leaves */
#endif
    :: else -> skip
    fi;
    atomic { sl--; pend = false; sp++ }   /* leave the sleepers as a spinner */
}

proctype worker(byte me) {
    bool spinning = false;
    bool draining = false;
    byte e, s, l;
    bool p, won;
    do
    :: atomic { q > 0 -> q-- } ->   /* take() found an item */
        if
        :: spinning ->   /* stop_spinning */
            spinning = false;
            atomic { s = sp; l = sl; sp-- };
            if
            :: s == 1 && l != 0 -> wake_one_if_needed(s, l, p, won)
            :: else -> skip
            fi
        :: else -> skip
        fi;
        dispatched++
    :: atomic { q == 0 -> skip } ->
        if
        :: draining -> break
        :: !draining && stopping -> draining = true   /* loop once more */
        :: !draining && !stopping && !spinning ->
            if
            :: atomic { sp < MAX_SPIN -> sp++ }; spinning = true   /* try_start_spinning */
            :: park(false, me, e); spinning = true                  /* no budget, or no room */
            fi
        :: !draining && !stopping && spinning ->
            if
            :: skip                  /* poll again */
            :: park(true, me, e)     /* the budget ran out */
            fi
        fi
    od;
    exited++
}

active proctype producer() {
    byte i, s, l;
    bool p, won;
    for (i : 1 .. N) {
#ifdef NO_F1
        buffered++;                           /* enqueue: the store, not yet visible */
        wake_one_if_needed(s, l, p, won);     /* its load of idle_ passes the store */
        atomic { q = q + buffered; buffered = 0 }   /* the store buffer drains */
#else
        q++;                                  /* enqueue, then F1 */
        wake_one_if_needed(s, l, p, won)
#endif
    }
    if
    :: stop_called = true; stopping = true; epoch++; futex_wake_all()   /* stop() */
    :: skip                                                              /* engine left running */
    fi
}

init {
    atomic { run worker(0); run worker(1) }
}

active proctype monitor() {
    timeout ->
        assert(q == 0 && buffered == 0 && dispatched == N);   /* no item left behind */
        assert(!stop_called || exited == W)                    /* shutdown terminates */
}
