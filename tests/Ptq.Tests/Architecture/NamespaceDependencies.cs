using System.Reflection;
using System.Reflection.Emit;

namespace Ptq.Tests.Architecture;

/// <summary>
/// Which of the library's namespaces (the second name part: Ptq.Graph → "Graph"; the generated Ptq.Onnx.Proto counts as
/// "Onnx") use which, read from every type's signatures and every method body's IL, so a reference inside a method
/// counts as much as one in a signature.
/// </summary>
internal static class NamespaceDependencies
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields().Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Namespace → (used namespace → one example "Type uses Type" per edge).</summary>
    public static Dictionary<string, Dictionary<string, string>> Of(Assembly assembly)
    {
        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            string from = Namespace(type);
            void Use(Type? used)
            {
                if (used is null) return;
                if (used.HasElementType) { Use(used.GetElementType()); return; }
                if (used.IsGenericType && !used.IsGenericTypeDefinition)
                    foreach (var argument in used.GetGenericArguments()) Use(argument);
                if (used.Assembly != assembly || used.IsGenericParameter) return;
                string to = Namespace(used);
                if (to == from) return;
                if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = new(StringComparer.Ordinal);
                targets.TryAdd(to, $"{type.Name} uses {used.Name}");
            }
            Use(type.BaseType);
            foreach (var i in type.GetInterfaces()) Use(i);
            const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(declared)) Use(field.FieldType);
            foreach (var method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)))
            {
                if (method is MethodInfo info) Use(info.ReturnType);
                foreach (var parameter in method.GetParameters()) Use(parameter.ParameterType);
                foreach (var used in BodyReferences(method)) Use(used);
            }
        }
        return edges;
    }

    /// <summary>The namespace of a type as this check groups them.</summary>
    public static string Namespace(Type type)
    {
        while (type.IsNested) type = type.DeclaringType!;
        string[] parts = (type.Namespace ?? "").Split('.');
        return parts.Length > 1 ? parts[1] : parts[0];
    }

    /// <summary>Types named by the operands of <paramref name="method"/>'s IL (calls, fields, type tokens).</summary>
    private static IEnumerable<Type?> BodyReferences(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        byte[] il = body.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int position = 0; position < il.Length;)
        {
            short value = il[position++];
            if (value == 0xFE) value = (short)(0xFE00 | il[position++]);
            var opCode = OpCodesByValue[value];
            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try { member = method.Module.ResolveMember(BitConverter.ToInt32(il, position), typeArguments, methodArguments); }
                catch (ArgumentException) { }
                yield return member as Type ?? member?.DeclaringType;
            }
            position += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
                _ => 4,
            };
        }
    }
}
