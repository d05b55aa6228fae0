namespace GrainLimiter.Client; internal static class Placeholder;
