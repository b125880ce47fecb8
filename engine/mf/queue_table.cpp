// The MF layer's queue ids (queue_table.hpp).
#include "queue_table.hpp"

namespace wq::mf_detail {

void QueueTable::set_platform(DWORD id, std::unique_ptr<Queue> queue) {
    platform_[id] = queue.get();
    platform_owned_.push_back(std::move(queue));
}

Queue* QueueTable::find(DWORD id) const noexcept {
    if (is_platform_queue(id)) {
        return id < platform_.size() ? platform_[id] : nullptr;
    }
    // No lock: a put on an allocated queue reads two atomics (its slot, the queue's id).
    const DWORD index = (id >> 16) - 1;
    const Chunk* chunk = chunks_[index / chunk_size].load(std::memory_order_acquire);
    if (chunk == nullptr) {
        return nullptr;
    }
    Queue* queue = (*chunk)[index % chunk_size].load(std::memory_order_acquire);
    // The queue object outlives its id (owned_): at worst a put racing the last unlock meets the
    // closed queue.
    return queue != nullptr && queue->id() == id ? queue : nullptr;
}

// Ids of allocated queues: (slot index + 1) << 16 | generation — never a platform id (the high
// word is not 0), and a stale id of a reused slot does not match its new generation.
QueueTable::Slot* QueueTable::slot_of(DWORD id) noexcept {
    const DWORD index = (id >> 16) - 1;
    if (is_platform_queue(id) || index >= slots_.size()) {
        return nullptr;
    }
    Slot& slot = slots_[index];
    return slot.queue != nullptr && slot.generation == (id & 0xFFFF) ? &slot : nullptr;
}

HRESULT QueueTable::add(const std::function<std::unique_ptr<Queue>()>& make, DWORD target,
                        DWORD* id) {
    const std::lock_guard lock(mutex_);
    if (closed_) {
        return MF_E_SHUTDOWN;
    }
    owned_.push_back(make());
    return add_slot(owned_.back().get(), target, id);
}

HRESULT QueueTable::add_slot(Queue* queue, DWORD target, DWORD* id) {
    std::size_t index = 0;
    while (index < slots_.size() && slots_[index].queue != nullptr) {
        ++index;
    }
    if (index == slots_.size()) {
        if (slots_.size() == max_slots) {
            return E_OUTOFMEMORY;  // as MF when it runs out of queue handles
        }
        slots_.emplace_back();
    }
    if (++generation_ == 0) {
        generation_ = 1;
    }
    slots_[index] = {queue, 1, target, generation_};
    *id = static_cast<DWORD>(((index + 1) << 16) | generation_);
    std::atomic<Chunk*>& chunk = chunks_[index / chunk_size];
    if (chunk.load(std::memory_order_relaxed) == nullptr) {
        chunk_store_.push_back(std::make_unique<Chunk>());
        chunk.store(chunk_store_.back().get(), std::memory_order_release);
    }
    queue->set_id(*id);  // before the queue is published: a reader that finds it sees its id
    (*chunk.load(std::memory_order_relaxed))[index % chunk_size].store(queue,
                                                                       std::memory_order_release);
    return S_OK;
}

Queue* QueueTable::lock_target(DWORD id) noexcept {
    if (is_platform_queue(id)) {
        return id < platform_.size() ? platform_[id] : nullptr;
    }
    const std::lock_guard lock(mutex_);
    Slot* slot = slot_of(id);
    if (slot == nullptr) {
        return nullptr;
    }
    ++slot->locks;  // the serial queue holds its target until it ends
    return slot->queue;
}

HRESULT QueueTable::lock(DWORD id) noexcept {
    const std::lock_guard lock(mutex_);
    Slot* slot = slot_of(id);
    if (slot == nullptr) {
        return MF_E_INVALID_WORKQUEUE;
    }
    ++slot->locks;
    return S_OK;
}

HRESULT QueueTable::unlock(DWORD id, Ended& ended) noexcept {
    const std::lock_guard lock(mutex_);
    Slot* slot = slot_of(id);
    if (slot == nullptr) {
        return MF_E_INVALID_WORKQUEUE;
    }
    if (--slot->locks != 0) {
        return S_OK;
    }
    // The last unlock: the id dies now.
    ended = {slot->queue, slot->target, slot->queue->close()};
    slot->queue->set_id(0);
    const auto index = static_cast<std::size_t>(slot - slots_.data());
    (*chunks_[index / chunk_size].load(std::memory_order_relaxed))[index % chunk_size].store(
        nullptr, std::memory_order_release);
    slot->queue = nullptr;
    for (auto shared = shared_.begin(); shared != shared_.end(); ++shared) {
        if (shared->second == id) {
            shared_.erase(shared);  // the next lock of its class makes a new one
            break;
        }
    }
    return S_OK;
}

HRESULT QueueTable::lock_shared(const std::wstring& name,
                                const std::function<std::unique_ptr<Queue>()>& make, DWORD* id) {
    const std::lock_guard lock(mutex_);
    if (closed_) {
        return MF_E_SHUTDOWN;
    }
    if (auto found = shared_.find(name); found != shared_.end()) {
        if (Slot* slot = slot_of(found->second); slot != nullptr) {
            ++slot->locks;
            *id = found->second;
            return S_OK;
        }
    }
    owned_.push_back(make());
    const HRESULT hr = add_slot(owned_.back().get(), 0, id);
    if (succeeded(hr)) {
        shared_[name] = *id;
    }
    return hr;
}

std::vector<Queue*> QueueTable::close_all() {
    const std::lock_guard lock(mutex_);
    std::vector<Queue*> queues;
    if (closed_) {
        return queues;
    }
    closed_ = true;
    for (const auto& queue : owned_) {
        queues.push_back(queue.get());
    }
    for (const auto& queue : platform_owned_) {
        queues.push_back(queue.get());
    }
    return queues;
}

bool QueueTable::closed() noexcept {
    const std::lock_guard lock(mutex_);
    return closed_;
}

bool QueueTable::is_own_thread() noexcept {
    const std::lock_guard lock(mutex_);
    for (const auto& queues : {&owned_, &platform_owned_}) {
        for (const auto& queue : *queues) {
            if (queue->is_own_thread()) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace wq::mf_detail
