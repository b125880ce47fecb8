/* serial_queue.pml — the serial queue's "scheduled" hand-off, PumpedQueue in engine/mf/queues.cpp
 * (a run of the pump takes a batch; modelled with batches of one entry):
 *   - put_user → enqueue: under the queue's mutex, refused once closed; the entry joins the FIFO,
 *     pending++; if no pump is scheduled, scheduled_ = true and, after the mutex, the pump goes to
 *     the target queue (target_.put_pump: the engine's put)
 *   - the pump's run (run_head): under the mutex pop the oldest entry; run it; then advance: under
 *     the mutex, more = the FIFO is not empty (else scheduled_ = false), pending--, and the last
 *     entry of a closed queue notifies the drain; after the mutex, the pump again if more
 *   - close and wait_drained (Platform shutdown): closed under the mutex, then wait until
 *     pending == 0
 * The target is an engine with two workers (a channel they take the pump from). Two producers
 * put two entries each.
 *
 * Checked: one entry runs at a time, in each producer's order; the pump is never queued twice;
 * when nothing can move (timeout), no entry is left (none stranded with no pump scheduled), and a
 * started shutdown has drained.
 * Variants that must fail: -DRECHECK_OUTSIDE_LOCK (advance looks at the FIFO before taking the
 * mutex), -DNO_SCHEDULED_FLAG (every enqueue puts the pump). */
#define P 2   /* producers */
#define K 2   /* entries each */

chan fifo = [4] of { byte };     /* entry ids: producer * 16 + its sequence */
chan target = [2] of { bit };    /* the engine's queue: holds the pump while it is queued */
bool scheduled = false;          /* scheduled_ */
byte pending = 0;                /* pending_ */
bool closed = false;
byte pumps = 0;                  /* the pump queued or running: at most 1 */
byte running = 0;                /* entries running now: at most 1 */
byte last[P];                    /* the sequence of each producer's last entry run */
bool close_called = false;
bool drained = false;

inline put_pump() {
    atomic { pumps++; assert(pumps == 1); target!1 }
}

proctype producer(byte me) {
    byte k;
    bool put;
    for (k : 1 .. K) {
        atomic {   /* the mutex */
            put = false;
            if
            :: closed -> skip   /* refused: MF_E_SHUTDOWN */
            :: else ->
                fifo!(me * 16 + k); pending++;
#ifdef NO_SCHEDULED_FLAG
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
    bool more;
end_idle:
    do
    :: target?pump ->
        atomic { fifo?entry };   /* run_head: pop under the mutex */
        atomic { running++; assert(running == 1) };
        assert(entry % 16 == last[entry / 16] + 1);   /* in its producer's order */
        last[entry / 16] = entry % 16;
        running--;
#ifdef RECHECK_OUTSIDE_LOCK
        more = len(fifo) > 0;
#endif
        atomic {   /* advance, under the mutex */
#ifndef RECHECK_OUTSIDE_LOCK
            more = len(fifo) > 0;
#endif
            if :: !more -> scheduled = false :: else -> skip fi;
            pending--;
            pumps--   /* this run of the pump is over; `more` queues it again */
        };
        if :: more -> put_pump() :: else -> skip fi
    od
}

active proctype shutdown() {
    if
    :: atomic { close_called = true; closed = true };   /* close, under the mutex */
        (pending == 0);                                  /* wait_drained */
        drained = true
    :: skip
    fi
}

init {
    atomic { run producer(0); run producer(1); run engine_worker(); run engine_worker() }
}

active proctype monitor() {
    timeout ->
        assert(len(fifo) == 0 && pending == 0);   /* no entry stranded */
        assert(!close_called || drained)          /* shutdown drains */
}
