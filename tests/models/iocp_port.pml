/* iocp_port.pml — the `iocp` back-end's completion port on Linux (engine/iocp_linux.cpp): the
 * packet FIFO, the LIFO stack of waiting workers and the concurrency limit, under the port lock.
 *   - deliver (Port::deliver; post and stop): under the lock, queue the packet, then
 *     take_handoffs_locked: while packets, waiters and running < concurrency, the oldest packet
 *     goes to the most recent waiter, which counts as running; after the lock, send_all (one
 *     MSG_RING completion into that worker's own ring)
 *   - worker_main: under the lock, take up to dequeue_batch queued packets if running <=
 *     concurrency; none taken: running--, push onto the waiters; then wait on its own ring for
 *     the one hand-off; dispatch; a stop packet (null item) ends it: under the lock running--,
 *     extra stops back onto the queue, take_handoffs_locked; after the lock, send_all
 *   - stop (IocpCore::stop): the gate closes (no packet is posted after), then one stop packet per
 *     worker through deliver
 * A packet is 1 (an item) or 0 (a stop); a ring is a channel. Two workers, concurrency 1 (the
 * limit at work), a batch of 2 (a batch may take a stop behind an item, or two stops).
 *
 * Checked: when nothing can move (timeout), every item was dispatched (none left queued while the
 * workers wait), and once stop was called every worker has returned.
 * Variants that must fail: -DNO_TAKE_BEFORE_WAIT (a worker registers as a waiter without taking
 * what is queued — the re-check under the lock), -DNO_HANDOFF_ON_LEAVE (a leaving worker does not
 * hand queued packets on to waiters). */
#define W 2       /* workers */
#define C 1       /* concurrency */
#define BATCH 2   /* dequeue_batch */
#define N 2       /* items posted */

chan packets = [8] of { byte };   /* the FIFO, guarded by the port lock */
chan ring[W] = [2] of { byte };   /* each worker's ring */
byte waiters[W];                  /* the LIFO: waiters[nw - 1] began waiting last */
byte nw = 0;
byte running = W;                 /* workers not waiting */
bool stop_called = false;
byte dispatched = 0;
byte exited = 0;

/* ht, hp, nh, i: the caller's hand-off list (locals of each proctype) */
inline take_handoffs() {
    nh = 0;
    do
    :: len(packets) > 0 && nw > 0 && running < C ->
        nw--; ht[nh] = waiters[nw]; packets?hp[nh]; nh++; running++
    :: else -> break
    od
}

inline send_all() {
    i = 0;
    do
    :: i < nh -> ring[ht[i]]!hp[i]; i++
    :: else -> break
    od
}

inline deliver(packet) {
    atomic { packets!packet; take_handoffs() };
    send_all()
}

proctype worker(byte me) {
    byte batch[BATCH];
    byte taken, k, stops, nh, i;
    byte ht[W];
    byte hp[W];
    do
    :: taken = 0;
        atomic {   /* the port lock */
#ifndef NO_TAKE_BEFORE_WAIT
            if
            :: running <= C ->
                do
                :: taken < BATCH && len(packets) > 0 -> packets?batch[taken]; taken++
                :: else -> break
                od
            :: else -> skip
            fi;
#endif
            if :: taken == 0 -> running--; waiters[nw] = me; nw++ :: else -> skip fi
        };
        if :: taken == 0 -> ring[me]?batch[0]; taken = 1 :: else -> skip fi;
        stops = 0;
        k = 0;
        do
        :: k < taken -> if :: batch[k] == 0 -> stops++ :: else -> dispatched++ fi; k++
        :: else -> break
        od;
        if
        :: stops != 0 ->
            atomic {
                running--;
                k = 1;
                do :: k < stops -> packets!0; k++ :: else -> break od;
#ifndef NO_HANDOFF_ON_LEAVE
                take_handoffs()
#else
                nh = 0
#endif
            };
            send_all();
            break
        :: else -> skip
        fi
    od;
    exited++
}

active proctype producer() {
    byte n, nh, i;
    byte ht[W];
    byte hp[W];
    for (n : 1 .. N) { deliver(1) }
    if
    :: stop_called = true; for (n : 1 .. W) { deliver(0) }   /* stop() */
    :: skip
    fi
}

init {
    atomic { run worker(0); run worker(1) }
}

active proctype monitor() {
    timeout ->
        assert(dispatched == N);              /* no item left behind */
        assert(!stop_called || exited == W)   /* shutdown terminates */
}
