package org.corral.core;

/** The states a container can be in, with the strings the bus API uses for them. */
public enum ContainerState {
    SHUTOFF("shutoff"),
    STARTING("starting"),
    RUNNING("running"),
    STOPPING("stopping"),
    CRASHED("crashed");

    private final String busName;

    ContainerState(String busName) {
        this.busName = busName;
    }

    public String busName() {
        return busName;
    }

    public boolean isActive() {
        return this == STARTING || this == RUNNING || this == STOPPING;
    }
}
