using System.Reflection;
using System.Reflection.Emit;

namespace NvmeNative.Tests.Architecture;

/// <summary>
/// Every type one type of an assembly uses, read from the built IL: base types and interfaces, field types, method
/// signatures, and each type, method and field token in method bodies (calls, allocations, field access, casts,
/// ldtoken). Compiler-generated types (closures, state machines, lambdas) count for the type that declares them.
/// C# constants are folded into the IL as literals and leave no trace here; <see cref="LayeringTests"/> checks
/// those at the source level.
/// </summary>
internal static class AssemblyReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>
    /// (user, used) pairs: each type of <paramref name="assembly"/> and the types of <paramref name="usedFrom"/> (by
    /// default the same assembly) it uses, each reduced to its outermost declaring type.
    /// </summary>
    internal static IEnumerable<(Type User, Type Used)> Of(Assembly assembly, Assembly? usedFrom = null)
    {
        usedFrom ??= assembly;
        var pairs = new HashSet<(Type, Type)>();
        foreach (var type in assembly.GetTypes())
        {
            var user = Outermost(type);
            void Add(Type? used)
            {
                foreach (var t in Expand(used))
                    if (t.Assembly == usedFrom)
                        pairs.Add((user, Outermost(t)));
            }
            Add(type.BaseType);
            foreach (var i in type.GetInterfaces())
                Add(i);
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(all))
                Add(field.FieldType);
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo m)
                    Add(m.ReturnType);
                foreach (var p in method.GetParameters())
                    Add(p.ParameterType);
                foreach (var used in BodyReferences(method))
                    Add(used);
            }
        }
        return pairs;
    }

    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null)
            yield break;
        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()))
                yield return t;
            yield break;
        }
        if (type.IsGenericParameter)
            yield break;
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
            foreach (var argument in type.GetGenericArguments())
                foreach (var t in Expand(argument))
                    yield return t;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
            type = outer;
        return type;
    }

    private static IEnumerable<Type?> BodyReferences(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (InvalidOperationException)
        {
            yield break;
        }
        if (il is null)
            yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var op = OpCodesByValue[value];
            i += op.Size;
            int operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try
                {
                    member = module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                }
                catch (ArgumentException)
                {
                }
                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case MethodBase callee:
                        yield return callee.DeclaringType;
                        if (callee is MethodInfo { IsGenericMethod: true } generic)
                            foreach (var a in generic.GetGenericArguments())
                                yield return a;
                        break;
                    case FieldInfo f:
                        yield return f.DeclaringType;
                        yield return f.FieldType;
                        break;
                }
            }
            i += operandSize;
        }
    }
}
