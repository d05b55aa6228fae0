using System.Diagnostics.CodeAnalysis;
using GrainLimiter.Grains;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

public sealed partial class GrainCatalog
{
    /// <summary>One lock's worth of grains. Every member is used under <see cref="Gate"/>.</summary>
    private sealed class Shard
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<GrainId, KeyLimits> Active = [];

        /// <summary>Deactivated grains whose state is not written yet; a call re-activates them as they are.</summary>
        public readonly Dictionary<GrainId, KeyLimits> Deactivating = [];

        public readonly Dictionary<GrainId, Task> Activating = [];

        /// <summary>Grains changed since their last write, in the order they first changed.</summary>
        public List<KeyLimits> Dirty = [];

        /// <summary>The eviction clock: active grains, with a hand that gives each a second chance.</summary>
        public readonly List<KeyLimits> Ring = [];
        private int _hand;

        public bool TryFind(GrainId id, [NotNullWhen(true)] out KeyLimits? grain)
        {
            if (Active.TryGetValue(id, out grain))
            {
                return true;
            }

            if (!Deactivating.Remove(id, out grain))
            {
                return false;
            }

            Active.Add(id, grain);
            grain.Slot = Ring.Count;
            Ring.Add(grain);
            return true;
        }

        /// <summary>Moves the hand until it finds a grain not used since its last pass, and deactivates it.</summary>
        public void EvictOne()
        {
            while (true)
            {
                if (_hand >= Ring.Count)
                {
                    _hand = 0;
                }

                var grain = Ring[_hand];
                if (grain.RecentlyUsed)
                {
                    grain.RecentlyUsed = false;
                    _hand++;
                    continue;
                }

                Deactivate(grain);
                return;
            }
        }

        /// <summary>Deactivates every grain not used since the last sweep; clears the mark of the others.</summary>
        public int DeactivateIdle()
        {
            var deactivated = 0;
            for (var i = Ring.Count - 1; i >= 0; i--)
            {
                var grain = Ring[i];
                if (grain.RecentlyUsed)
                {
                    grain.RecentlyUsed = false;
                }
                else
                {
                    Deactivate(grain);
                    deactivated++;
                }
            }

            return deactivated;
        }

        public void Deactivate(KeyLimits grain)
        {
            Active.Remove(grain.Id);
            var last = Ring[^1];
            Ring[grain.Slot] = last;
            last.Slot = grain.Slot;
            Ring.RemoveAt(Ring.Count - 1);
            grain.Slot = -1;
            if (grain.IsDirty)
            {
                Deactivating[grain.Id] = grain;
            }
        }
    }
}
