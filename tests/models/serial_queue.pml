/* serial_queue.pml — the serial queue's lock-free inbox and its pump, PumpedQueue in
 * engine/mf/queues.cpp (Order::put):
 *   - put_user → enqueue: one CAS on the inbox word (newest entry | scheduled | closed): refused
 *     when the word says closed; else the entry is pushed and `scheduled` set, and the push that
 *     found it clear queues the pump on the target (target_.put_pump: the engine's put). The
 *     stack is modelled as a FIFO: the pump takes it whole and reverses it, so what it runs is in
 *     push order either way.
 *   - the pump's run (run_batch): when its own FIFO (taken_) is empty it takes the whole inbox
 *     (take_inbox: one RMW that leaves the marks) — again after a linger when that take found
 *     nothing; it runs up to B entries; then advance: the pump again if it holds entries or a take
 *     finds some, else a CAS from "scheduled, no entries" to "not scheduled", retried from the
 *     top when a push changed the word
 *   - close and wait_drained (Platform shutdown): an RMW that sets `closed` on the same word,
 *     then a wait until `scheduled` is clear
 * The target is an engine with two workers (a channel they take the pump from). Two producers
 * put two entries each; a run takes at most two.
 *
 * Checked: one entry runs at a time, in each producer's order; the pump is never queued twice;
 * nothing is accepted once the drain was seen; when nothing can move (timeout), no entry is left
 * (none stranded with no pump scheduled), and a started shutdown has drained.
 * Variants that must fail: -DUNSCHEDULE_BY_STORE (advance looks at the inbox, then clears
 * `scheduled` with a plain store instead of a CAS that sees the inbox still empty),
 * -DNO_SCHEDULED_FLAG (every push queues the pump), -DCLOSED_APART (the closed mark in a word of
 * its own: a push checks it, then pushes). */
#define P 2   /* producers */
#define K 2   /* entries each */
#define B 2   /* pump_batch */

chan inbox = [4] of { byte };    /* the inbox's entries: producer * 16 + its sequence */
chan taken = [4] of { byte };    /* the pump's own FIFO (taken_) */
bool scheduled = false;          /* the inbox word's `scheduled` */
bool closed = false;             /* the inbox word's `closed` */
byte pumps = 0;                  /* the pump queued or running: at most 1 */
chan target = [2] of { bit };    /* the engine's queue: holds the pump while it is queued */
byte running = 0;                /* entries running now: at most 1 */
byte last[P];                    /* the sequence of each producer's last entry run */
bool close_called = false;
bool drained = false;

inline put_pump() {
    atomic { pumps++; assert(pumps == 1); target!1 }
}

/* take_inbox: the whole stack at once, in push order; `took` says whether it held any. */
inline take_inbox() {
    atomic {
        took = len(inbox) > 0;
        do
        :: len(inbox) > 0 -> inbox?entry; taken!entry
        :: else -> break
        od
    }
}

proctype producer(byte me) {
    byte k;
    bool put;
#ifdef CLOSED_APART
    bool seen_closed;
#endif
    for (k : 1 .. K) {
        put = false;
#ifdef CLOSED_APART
        seen_closed = closed;
        atomic {
            if
            :: seen_closed -> skip
            :: else ->
#else
        atomic {   /* the CAS on the inbox word */
            if
            :: closed -> skip   /* refused: MF_E_SHUTDOWN */
            :: else ->
#endif
                assert(!drained);   /* nothing is accepted once the drain was seen */
                inbox!(me * 16 + k);
#ifdef NO_SCHEDULED_FLAG
                scheduled = true;
                put = true
#else
                if :: !scheduled -> scheduled = true; put = true :: else -> skip fi
#endif
            fi
        };
        if :: put -> put_pump() :: else -> skip fi
    }
}

proctype engine_worker() {
    bit pump;
    byte entry;
    byte ran;
    bool took;
    bool more;
end_idle:
    do
    :: target?pump ->
        ran = 0;
        do   /* run_batch */
        :: ran == B -> break
        :: else ->
            if
            :: len(taken) == 0 ->
                take_inbox();
                if
                :: !took -> take_inbox()   /* the linger's one look */
                :: else -> skip
                fi
            :: else -> skip
            fi;
            if
            :: len(taken) == 0 -> break
            :: else ->
                taken?entry;
                ran++;
                atomic { running++; assert(running == 1) };
                assert(entry % 16 == last[entry / 16] + 1);   /* in its producer's order */
                last[entry / 16] = entry % 16;
                running--
            fi
        od;
        /* advance */
        more = false;
        do
        :: len(taken) > 0 -> more = true; break
        :: else ->
            take_inbox();
            if
            :: took -> more = true; break
            :: else ->
#ifdef UNSCHEDULE_BY_STORE
                atomic { scheduled = false; pumps-- };   /* the inbox was empty when looked at */
                break
#else
                atomic {   /* the CAS: "scheduled, no entries" to "not scheduled" */
                    if
                    :: len(inbox) == 0 -> scheduled = false; pumps--; break
                    :: else -> skip   /* a push came: look again */
                    fi
                }
#endif
            fi
        od;
        /* this run of the pump is over (above, as it cleared `scheduled`); `more` queues it again */
        if :: more -> atomic { pumps-- }; put_pump() :: else -> skip fi
    od
}

active proctype shutdown() {
    if
    :: atomic { close_called = true; closed = true };   /* close() */
        (!scheduled);                                  /* wait_drained */
        drained = true
    :: skip
    fi
}

init {
    atomic { run producer(0); run producer(1); run engine_worker(); run engine_worker() }
}

active proctype monitor() {
    timeout ->
        assert(len(inbox) == 0 && len(taken) == 0 && !scheduled);   /* no entry stranded */
        assert(!close_called || drained)                             /* shutdown drains */
}
