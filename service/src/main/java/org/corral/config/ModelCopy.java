package org.corral.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.corral.config.model.Domain;
import org.w3c.dom.Element;
import org.xml.sax.Locator;

/**
 * Deep copies of the domain model, field by field. A start runs on a copy of the definition
 * (a redefinition must not touch a running container); through JAXB (marshal to DOM and back)
 * a copy took 130-240 us of a start, this way it is a walk over a few dozen objects.
 *
 * <p>What a model object may hold: strings, boxed and primitive values, enums and QNames
 * (shared: immutable), the parser's location of an element (shared: never changed after
 * parsing), lists and maps (copied), unknown child elements kept as DOM (cloned), and other
 * objects of the model package (copied through their no-argument constructor, which JAXB
 * needs as well). Anything else is refused, so that a new field of another kind fails
 * DomainXmlConformanceTest rather than being shared between a running container and its
 * definition.
 */
final class ModelCopy {

    private static final String MODEL_PACKAGE = Domain.class.getPackageName();

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return Shape.of(type);
        }
    };

    private ModelCopy() {
    }

    /** How to copy one model class: its constructor and every instance field up its hierarchy. */
    private record Shape(Constructor<?> constructor, Field[] fields) {
        static Shape of(Class<?> type) {
            try {
                Constructor<?> c = type.getDeclaredConstructor();
                c.setAccessible(true);
                List<Field> fields = new ArrayList<>();
                for (Class<?> t = type; t != Object.class; t = t.getSuperclass()) {
                    for (Field f : t.getDeclaredFields()) {
                        if (!Modifier.isStatic(f.getModifiers())) {
                            f.setAccessible(true);
                            fields.add(f);
                        }
                    }
                }
                return new Shape(c, fields.toArray(new Field[0]));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("model class " + type.getName() + " has no no-argument constructor", e);
            }
        }
    }

    static <T> T copy(T value) {
        @SuppressWarnings("unchecked")
        T copy = (T) copyValue(value);
        return copy;
    }

    private static Object copyValue(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Number || v instanceof Enum<?>
                || v instanceof Character || v instanceof QName || v instanceof Locator) {
            return v;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(copyValue(o));
            }
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, o) -> out.put(copyValue(k), copyValue(o)));
            return out;
        }
        if (v instanceof Element e) {
            return e.cloneNode(true);
        }
        if (v.getClass().getPackageName().equals(MODEL_PACKAGE)) {
            return copyObject(v);
        }
        throw new IllegalStateException("cannot copy a " + v.getClass().getName() + " in the domain model");
    }

    private static Object copyObject(Object v) {
        Shape shape = SHAPES.get(v.getClass());
        try {
            Object out = shape.constructor().newInstance();
            for (Field f : shape.fields()) {
                Class<?> type = f.getType();
                if (type.isPrimitive()) {
                    f.set(out, f.get(v));
                } else {
                    f.set(out, copyValue(f.get(v)));
                }
            }
            return out;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy " + v.getClass().getName(), e);
        }
    }
}
