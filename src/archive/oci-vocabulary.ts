/**
 * The words of the OCI image spec (and Docker's own) that donodo reads and writes, in one place:
 * media types, the annotations that name images, the `oci-layout` file.
 */
export const OCI_MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const OCI_ANNOTATIONS = {
  /** How an OCI layout names its images (`skopeo copy … oci:DIR:REF`): usually a tag. */
  refName: 'org.opencontainers.image.ref.name',
  /** The full NAME:TAG containerd and Docker 25+ give an image in a layout. */
  containerdName: 'io.containerd.image.name',
} as const;

/** The content of the `oci-layout` file of every image layout. */
export const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });
